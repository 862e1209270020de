import { nth } from './present';
// Lift of a variant against its control, with a 95 % confidence interval (docs/measurement.md "Reading results").
//
// The metric is a proportion: users who converted / users in the arm. The difference of two proportions has the
// normal-approximation (Wald) standard error sqrt(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀); the interval is the difference ± 1.96 SE.
// Relative lift is the difference over the control's rate, and its interval the difference's interval over the same
// rate (the control's rate taken as known: a plain reading that is honest at the sample sizes where we call a result).
// Below those sizes (an arm under MIN_USERS_PER_ARM users or under MIN_CONVERSIONS_PER_ARM conversions, where the
// normal approximation is poor) the result carries a warning instead of a conclusion.

/** z for a two-sided 95 % interval. */
export const Z_95 = 1.959963984540054;
export const MIN_USERS_PER_ARM = 100;
export const MIN_CONVERSIONS_PER_ARM = 10;

export interface ArmCounts {
  users: number;
  converters: number;
}

export interface Lift {
  /** Converters / users of the variant and of the control. */
  rate: number;
  controlRate: number;
  /** rate − controlRate, with its 95 % interval. */
  difference: number;
  differenceInterval: [number, number];
  /** difference / controlRate, with its 95 % interval; null when the control converted nobody. */
  relative: number | null;
  relativeInterval: [number, number] | null;
  /** The interval excludes zero (and the sample is large enough to say so). */
  significant: boolean;
  /** Why the sample is too small to conclude; absent when it is not. */
  warning?: string;
}

function rateOf(arm: ArmCounts): number {
  return arm.users === 0 ? 0 : arm.converters / arm.users;
}

export function smallSampleWarning(arms: readonly ArmCounts[]): string | undefined {
  const fewest = Math.min(...arms.map((a) => a.users));
  const fewestConversions = Math.min(...arms.map((a) => a.converters));
  if (fewest < MIN_USERS_PER_ARM) {
    return `too few users to conclude: an arm has ${fewest} (need ${MIN_USERS_PER_ARM} or more per arm)`;
  }
  if (fewestConversions < MIN_CONVERSIONS_PER_ARM) {
    return `too few conversions to conclude: an arm has ${fewestConversions} (need ${MIN_CONVERSIONS_PER_ARM} or more per arm)`;
  }
  return undefined;
}

/** The variant's lift over the control. */
export function liftOf(variant: ArmCounts, control: ArmCounts): Lift {
  const p1 = rateOf(variant);
  const p0 = rateOf(control);
  const difference = p1 - p0;
  const variance =
    (variant.users === 0 ? 0 : (p1 * (1 - p1)) / variant.users) +
    (control.users === 0 ? 0 : (p0 * (1 - p0)) / control.users);
  const half = Z_95 * Math.sqrt(variance);
  const differenceInterval: [number, number] = [difference - half, difference + half];
  const warning = smallSampleWarning([variant, control]);
  const relative = p0 === 0 ? null : difference / p0;
  return {
    rate: p1,
    controlRate: p0,
    difference,
    differenceInterval,
    relative,
    relativeInterval: p0 === 0 ? null : [differenceInterval[0] / p0, differenceInterval[1] / p0],
    significant: warning === undefined && (differenceInterval[0] > 0 || differenceInterval[1] < 0),
    ...(warning === undefined ? {} : { warning }),
  };
}

export interface VariantResult extends ArmCounts {
  variant: string;
  rate: number;
  control: boolean;
  /** Against the control; absent on the control itself. */
  lift?: Lift;
}

/**
 * Results of an experiment's arms: each variant's conversion rate and its lift against the control, which is the
 * variant named `controlName` when there is one, else the first variant listed.
 */
export function compareVariants(
  variants: readonly string[],
  arms: ReadonlyMap<string, ArmCounts>,
  controlName: string,
): { control: string; variants: VariantResult[]; warning?: string } {
  const control = variants.includes(controlName) ? controlName : nth(variants, 0);
  const countsOf = (name: string): ArmCounts => arms.get(name) ?? { users: 0, converters: 0 };
  const controlCounts = countsOf(control);
  const results = variants.map((variant): VariantResult => {
    const counts = countsOf(variant);
    return {
      variant,
      ...counts,
      rate: rateOf(counts),
      control: variant === control,
      ...(variant === control ? {} : { lift: liftOf(counts, controlCounts) }),
    };
  });
  const warning = smallSampleWarning(variants.map(countsOf));
  return { control, variants: results, ...(warning === undefined ? {} : { warning }) };
}
