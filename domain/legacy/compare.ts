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
  /** With `--restore`, when both sides planned: what the two dry-run restores hold. */
  restored?: RestoredComparison;
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
  if (flavor === 'mariadb')
    return { at, product, legacy, verdict: { kind: 'disagree', onlyProduct: product.expectedGtids, onlyLegacy: legacy.expectedGtids } };
  const p = MysqlGtidSet.parse(product.expectedGtids);
  const l = MysqlGtidSet.parse(legacy.expectedGtids);
  return {
    at,
    product,
    legacy,
    verdict: { kind: 'disagree', onlyProduct: p.subtract(l).toString(), onlyLegacy: l.subtract(p).toString() },
  };
}

export function comparisonText(c: InstantComparison): string {
  const side = (name: string, s: SidePlan) =>
    s.kind === 'refused' ? `${name} refused: ${s.reason}` : `${name} backup ${s.backupId} + ${s.segments} binlogs → ${s.expectedGtids}`;
  const v = c.verdict;
  const head =
    v.kind === 'agree'
      ? `${c.at}  agree`
      : v.kind === 'refused'
        ? `${c.at}  refused by ${v.sides.join(' and ')}`
        : `${c.at}  DISAGREE: only product ${v.onlyProduct || '(none)'}; only legacy ${v.onlyLegacy || '(none)'}`;
  const r = c.restored;
  const restored =
    r === undefined
      ? []
      : r.agree
        ? [`  restored: the same gtid_executed, and the same CHECKSUM TABLE for all ${r.tables} tables`]
        : [
            `  restored: DIFFER${r.gtids.same ? '' : `; gtid_executed product ${r.gtids.product}, legacy ${r.gtids.legacy}`}`,
            ...r.onlyProduct.map((t) => `    table only restored from the product: ${t}`),
            ...r.onlyLegacy.map((t) => `    table only restored from legacy: ${t}`),
            ...r.differing.map(
              (d) => `    ${d.table}: checksum product ${d.product ?? '(does not open)'}, legacy ${d.legacy ?? '(does not open)'}`,
            ),
          ];
  return [head, `  ${side('product', c.product)}`, `  ${side('legacy ', c.legacy)}`, ...restored].join('\n');
}

/** What a dry-run restore left: the server's GTID state and CHECKSUM TABLE of every user table (`db.table` → checksum; null: the table does not open). */
export interface RestoredState {
  gtidExecuted: string;
  checksums: Record<string, string | null>;
}

export interface RestoredComparison {
  agree: boolean;
  gtids: { product: string; legacy: string; same: boolean };
  /** Tables on one side only, and tables whose checksums differ. */
  onlyProduct: string[];
  onlyLegacy: string[];
  differing: Array<{ table: string; product: string | null; legacy: string | null }>;
  /** Tables checksummed on both sides. */
  tables: number;
}

/** Two restored servers agree when their GTID states are the same history and every table has the same checksum on both. */
export function compareRestored(flavor: GtidFlavor, product: RestoredState, legacy: RestoredState): RestoredComparison {
  const same = sameHistory(flavor, product.gtidExecuted, legacy.gtidExecuted);
  const onlyProduct = Object.keys(product.checksums)
    .filter((t) => !(t in legacy.checksums))
    .sort();
  const onlyLegacy = Object.keys(legacy.checksums)
    .filter((t) => !(t in product.checksums))
    .sort();
  const differing = Object.keys(product.checksums)
    .filter((t) => t in legacy.checksums && (product.checksums[t] !== legacy.checksums[t] || product.checksums[t] === null))
    .sort()
    .map((table) => ({ table, product: product.checksums[table] ?? null, legacy: legacy.checksums[table] ?? null }));
  return {
    agree: same && onlyProduct.length === 0 && onlyLegacy.length === 0 && differing.length === 0,
    gtids: { product: product.gtidExecuted, legacy: legacy.gtidExecuted, same },
    onlyProduct,
    onlyLegacy,
    differing,
    tables: Object.keys(product.checksums).filter((t) => t in legacy.checksums).length,
  };
}
