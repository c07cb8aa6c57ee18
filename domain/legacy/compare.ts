import { sameHistory } from '../archive/history';
import { MysqlGtidSet, type GtidFlavor } from '../gtid';

/** What planning one instant from one archive gave: the GTID state a restore would reach, or why it refused. */
export type SidePlan =
  | { kind: 'planned'; backupId: string; expectedGtids: string; throughCommit: string | null; segments: number }
  | { kind: 'refused'; reason: string };

export type ComparisonVerdict =
  | { kind: 'agree' }
  /** MySQL: the GTIDs only one side's restore would hold. MariaDB positions name no transaction sets, so both are given whole. */
  | { kind: 'disagree'; onlyProduct: string; onlyLegacy: string }
  | { kind: 'refused'; sides: Array<'product' | 'legacy'> };

export interface InstantComparison {
  at: string;
  product: SidePlan;
  legacy: SidePlan;
  verdict: ComparisonVerdict;
}

/**
 * The two archives agree at an instant when restores from both would reach the same GTID
 * state; a side that refuses the instant is reported with its reason, never counted as agreement.
 */
export function comparePlans(flavor: GtidFlavor, at: string, product: SidePlan, legacy: SidePlan): InstantComparison {
  if (product.kind === 'refused' || legacy.kind === 'refused') {
    const sides = [...(product.kind === 'refused' ? ['product' as const] : []), ...(legacy.kind === 'refused' ? ['legacy' as const] : [])];
    return { at, product, legacy, verdict: { kind: 'refused', sides } };
  }
  if (sameHistory(flavor, product.expectedGtids, legacy.expectedGtids)) return { at, product, legacy, verdict: { kind: 'agree' } };
  if (flavor === 'mariadb') return { at, product, legacy, verdict: { kind: 'disagree', onlyProduct: product.expectedGtids, onlyLegacy: legacy.expectedGtids } };
  const p = MysqlGtidSet.parse(product.expectedGtids);
  const l = MysqlGtidSet.parse(legacy.expectedGtids);
  return { at, product, legacy, verdict: { kind: 'disagree', onlyProduct: p.subtract(l).toString(), onlyLegacy: l.subtract(p).toString() } };
}

export function comparisonText(c: InstantComparison): string {
  const side = (name: string, s: SidePlan) =>
    s.kind === 'refused' ? `${name} refused: ${s.reason}` : `${name} backup ${s.backupId} + ${s.segments} binlogs → ${s.expectedGtids}`;
  const v = c.verdict;
  const head =
    v.kind === 'agree' ? `${c.at}  agree` : v.kind === 'refused' ? `${c.at}  refused by ${v.sides.join(' and ')}` : `${c.at}  DISAGREE: only product ${v.onlyProduct || '(none)'}; only legacy ${v.onlyLegacy || '(none)'}`;
  return [head, `  ${side('product', c.product)}`, `  ${side('legacy ', c.legacy)}`].join('\n');
}
