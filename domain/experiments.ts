// Experiments and the global holdout (docs/measurement.md): deterministic assignment of a user to a variant, the same
// in workflow code, activities, the API and SQL. Pure: usable in Temporal's workflow sandbox (journeys branch on
// `assignVariant`).
//
// A user's position in an experiment is the first 32 bits of SHA-256("<experiment id>:<user id>") read as an unsigned
// big-endian integer, divided by 2^32. PostgreSQL computes the same number (db/measurement.ts `SQL_BUCKET`), so reports
// can split any population into arms without storing an assignment per user, and it is stable across restarts and
// deployments. SHA-256 rather than a faster non-cryptographic hash because both sides have it natively or from an
// audited library, and its bits are uniform whatever the ids look like.
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { present } from './present';

/** A variant and its share of the experiment's users (weights are relative: they need not sum to 1). */
export interface VariantWeight {
  name: string;
  weight: number;
}

export interface ExperimentDefinition {
  id: string;
  variants: readonly VariantWeight[];
}

/** The variant name that never sends: a candidate carrying it ends `suppressed` with reason `holdout`. */
export const CONTROL_VARIANT = 'control';

/** The global holdout's experiment id (in the hash and in results). */
export const GLOBAL_HOLDOUT_ID = 'global_holdout';

/** The global holdout: this share of users (0..100 %) receives no non-critical notification. */
export interface HoldoutConfig {
  percent: number;
}

export const DEFAULT_HOLDOUT: HoldoutConfig = { percent: 5 };

const TWO_POW_32 = 2 ** 32;

/** The user's position in the experiment, as an integer in [0, 2^32). */
export function bucketOf(experimentId: string, userId: string): number {
  const digest = sha256(utf8ToBytes(`${experimentId}:${userId}`));
  return new DataView(digest.buffer, digest.byteOffset, 4).getUint32(0);
}

/** The user's variant: the one whose cumulative weight range holds the user's position. */
export function assignVariant(userId: string, experiment: ExperimentDefinition): string {
  const total = experiment.variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0);
  if (!(total > 0)) throw new RangeError(`experiment ${experiment.id} has no variant with a positive weight`);
  const point = (bucketOf(experiment.id, userId) / TWO_POW_32) * total;
  let upTo = 0;
  let last: string | undefined;
  for (const variant of experiment.variants) {
    if (!(variant.weight > 0)) continue;
    upTo += variant.weight;
    last = variant.name;
    if (point < upTo) return variant.name;
  }
  return present(last, 'a variant with a positive weight'); // rounding at the top end
}

/** The largest bucket (exclusive) inside the holdout: bucket < threshold ⇔ held out. SQL uses the same threshold. */
export function holdoutThreshold(holdout: HoldoutConfig): number {
  return Math.floor((Math.min(100, Math.max(0, holdout.percent)) / 100) * TWO_POW_32);
}

/** Whether the user is in the global holdout. */
export function inHoldout(userId: string, holdout: HoldoutConfig | undefined): boolean {
  if (holdout === undefined || !(holdout.percent > 0)) return false;
  return bucketOf(GLOBAL_HOLDOUT_ID, userId) < holdoutThreshold(holdout);
}
