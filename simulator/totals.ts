export interface Totals {
  users: number;
  sends: number;
  opens: number;
  conversions: number;
  optOuts: number;
  uninstalls: number;
  violations: number;
  violationExamples: string[];
}

export function emptyTotals(): Totals {
  return {
    users: 0,
    sends: 0,
    opens: 0,
    conversions: 0,
    optOuts: 0,
    uninstalls: 0,
    violations: 0,
    violationExamples: [],
  };
}

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    users: a.users + b.users,
    sends: a.sends + b.sends,
    opens: a.opens + b.opens,
    conversions: a.conversions + b.conversions,
    optOuts: a.optOuts + b.optOuts,
    uninstalls: a.uninstalls + b.uninstalls,
    violations: a.violations + b.violations,
    violationExamples: [...a.violationExamples, ...b.violationExamples].slice(0, 3),
  };
}
