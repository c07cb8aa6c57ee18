import type { LifecycleRule } from '@aws-sdk/client-s3';

/** An enabled bucket lifecycle rule that deletes (or aborts) objects the product keeps. */
export interface LifecycleWarning {
  ruleId: string;
  /** The rule's filter prefix ('' matches the whole bucket). */
  rulePrefix: string;
  /** What it does, as an operator reads it: "deletes objects 30 days after they are written". */
  actions: string[];
  /** The rule also filters on tags or object size, so it may spare some objects — or none. */
  narrowed: boolean;
}

/** Storage classes GetObject cannot read until the object is restored from them. */
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

function rulePrefix(rule: LifecycleRule): string {
  return rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix ?? '';
}

function narrowed(rule: LifecycleRule): boolean {
  const f = rule.Filter;
  if (f === undefined) return false;
  return (
    f.Tag !== undefined ||
    f.ObjectSizeGreaterThan !== undefined ||
    f.ObjectSizeLessThan !== undefined ||
    (f.And !== undefined &&
      ((f.And.Tags?.length ?? 0) > 0 || f.And.ObjectSizeGreaterThan !== undefined || f.And.ObjectSizeLessThan !== undefined))
  );
}

function actionsOf(rule: LifecycleRule): string[] {
  const actions: string[] = [];
  const e = rule.Expiration;
  if (e?.Days !== undefined) actions.push(`deletes objects ${e.Days} days after they are written`);
  if (e?.Date !== undefined) actions.push(`deletes objects from ${e.Date.toISOString()}`);
  if (e?.ExpiredObjectDeleteMarker) actions.push('removes expired delete markers');
  const nv = rule.NoncurrentVersionExpiration;
  if (nv) actions.push(`deletes replaced versions ${nv.NoncurrentDays ?? '?'} days after they are replaced`);
  for (const t of (rule.Transitions ?? []).filter((t) => ARCHIVE_CLASSES.has(t.StorageClass ?? ''))) {
    const when = t.Days !== undefined ? `${t.Days} days after they are written` : `from ${t.Date?.toISOString() ?? '?'}`;
    actions.push(`moves objects to ${t.StorageClass} ${when}, where a restore cannot read them`);
  }
  const ab = rule.AbortIncompleteMultipartUpload;
  if (ab) actions.push(`aborts multipart uploads ${ab.DaysAfterInitiation ?? '?'} days after they start`);
  return actions;
}

/** Two key prefixes overlap when one contains the other; '' contains every key. */
export function prefixesOverlap(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * Rules that would remove what the product keeps: they expire by age and know nothing of the
 * recoverable window, so a base backup still needed by the oldest restorable instant, or the
 * binlogs after it, can vanish (or move out of reach) under them. Disabled rules and rules elsewhere in the bucket are
 * not reported.
 */
export function lifecycleWarnings(rules: readonly LifecycleRule[], prefix: string): LifecycleWarning[] {
  return rules.flatMap((rule, index) => {
    const actions = actionsOf(rule);
    if (rule.Status !== 'Enabled' || actions.length === 0 || !prefixesOverlap(rulePrefix(rule), prefix)) return [];
    return [{ ruleId: rule.ID ?? `#${index + 1}`, rulePrefix: rulePrefix(rule), actions, narrowed: narrowed(rule) }];
  });
}
