import { InvalidInputError } from '../errors';

/**
 * How much history a cluster keeps: at least the `keepBackups` newest completed base backups,
 * and every completed backup younger than `keepDays` days (0: no age rule). Both rules keep;
 * neither removes what the other keeps.
 */
export interface RetentionPolicy {
  keepBackups: number;
  keepDays: number;
}

/** Defaults by compliance tier; a cluster's own setting overrides each rule separately. */
export const TIER_RETENTION: Readonly<Record<string, RetentionPolicy>> = {
  development: { keepBackups: 2, keepDays: 3 },
  standard: { keepBackups: 7, keepDays: 14 },
  regulated: { keepBackups: 30, keepDays: 400 },
};

/** The cluster's own settings; null: its tier's default. */
export interface RetentionOverrides {
  keepBackups: number | null;
  keepDays: number | null;
}

export class UnknownRetentionTierError extends InvalidInputError {}

/**
 * The policy a cluster runs under. A tier without defaults is refused rather than guessed:
 * expiry deletes, so it only ever runs under a policy someone chose.
 */
export function effectivePolicy(tier: string, overrides: RetentionOverrides): RetentionPolicy {
  const defaults = TIER_RETENTION[tier];
  if (overrides.keepBackups !== null && overrides.keepDays !== null)
    return { keepBackups: overrides.keepBackups, keepDays: overrides.keepDays };
  if (defaults === undefined) {
    throw new UnknownRetentionTierError(`compliance tier "${tier}" has no default retention policy`, {
      hint: `set the cluster's own with \`pitr cluster retention --keep-backups N --keep-days D\`, or use a tier with defaults: ${Object.keys(TIER_RETENTION).join(', ')}`,
    });
  }
  return { keepBackups: overrides.keepBackups ?? defaults.keepBackups, keepDays: overrides.keepDays ?? defaults.keepDays };
}

/** A policy as an operator typed it; each rule is checked on its own, and `tier` puts a rule back on the tier default. */
export function parseRetentionOverrides(input: { keepBackups?: string; keepDays?: string }): Partial<RetentionOverrides> {
  const count = (option: string, text: string, min: number): number | null => {
    if (text === 'tier') return null;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new InvalidInputError(`${option} ${JSON.stringify(text)} is not a whole number of at least ${min}`, {
        hint: "--keep-backups counts completed base backups (at least 1); --keep-days is an age in days (0: no age rule); 'tier' for the tier's default",
      });
    }
    return value;
  };
  return {
    ...(input.keepBackups === undefined ? {} : { keepBackups: count('--keep-backups', input.keepBackups, 1) }),
    ...(input.keepDays === undefined ? {} : { keepDays: count('--keep-days', input.keepDays, 0) }),
  };
}

export function describePolicy(p: RetentionPolicy): string {
  return `keep the ${p.keepBackups} newest completed backup${p.keepBackups === 1 ? '' : 's'}${p.keepDays > 0 ? ` and every one younger than ${p.keepDays} day${p.keepDays === 1 ? '' : 's'}` : ''}`;
}
