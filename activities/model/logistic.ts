import { nth } from '../../domain/present';
// Logistic regression for open probability, trained by full-batch Newton steps (IRLS) with an L2 penalty on
// standardized features. Why by hand: the model is ~40 weights, a few hundred thousand rows at most per training, and
// Newton's method converges in a handful of exactly reproducible iterations with no learning rate to tune; the npm
// packages for it are unmaintained or pull in a tensor runtime. The solve is a Cholesky factorization of a 40×40 matrix.

export interface LogisticModel {
  /** Per feature: mean and scale used to standardize it. */
  means: number[];
  scales: number[];
  /** weights[0] is the intercept; weights[i + 1] goes with feature i (standardized). */
  weights: number[];
}

export interface TrainOptions {
  l2?: number;
  maxIterations?: number;
  /** Called after each Newton step with (step, maxIterations), for a progress bar. */
  onStep?: (step: number, of: number) => void;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function predict(model: LogisticModel, x: readonly number[]): number {
  let z = nth(model.weights, 0);
  for (let i = 0; i < x.length; i++)
    z += nth(model.weights, i + 1) * ((nth(x, i) - nth(model.means, i)) / nth(model.scales, i));
  return sigmoid(z);
}

/** Solves A x = b for symmetric positive definite A (Cholesky); A and b are not modified. */
function solveSpd(a: number[][], b: number[]): number[] {
  const n = b.length;
  const l = a.map((row) => row.map(() => 0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = nth(nth(a, i), j);
      for (let k = 0; k < j; k++) sum -= nth(nth(l, i), k) * nth(nth(l, j), k);
      if (i === j) nth(l, i)[i] = Math.sqrt(Math.max(sum, 1e-12));
      else nth(l, i)[j] = sum / nth(nth(l, j), j);
    }
  }
  const y = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = nth(b, i);
    for (let k = 0; k < i; k++) sum -= nth(nth(l, i), k) * nth(y, k);
    y[i] = sum / nth(nth(l, i), i);
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = nth(y, i);
    for (let k = i + 1; k < n; k++) sum -= nth(nth(l, k), i) * nth(x, k);
    x[i] = sum / nth(nth(l, i), i);
  }
  return x;
}

export function train(rows: readonly number[][], labels: readonly number[], options: TrainOptions = {}): LogisticModel {
  if (rows.length === 0) throw new RangeError('no training rows');
  if (rows.length !== labels.length) throw new RangeError('rows and labels differ in length');
  const d = nth(rows, 0).length;
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 25;
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(0);
  for (const row of rows) for (let i = 0; i < d; i++) means[i] = nth(means, i) + nth(row, i) / rows.length;
  for (const row of rows)
    for (let i = 0; i < d; i++) scales[i] = nth(scales, i) + (nth(row, i) - nth(means, i)) ** 2 / rows.length;
  for (let i = 0; i < d; i++) scales[i] = Math.sqrt(nth(scales, i)) || 1;
  const z = rows.map((row) => [1, ...row.map((v, i) => (v - nth(means, i)) / nth(scales, i))]);
  const p = d + 1;
  const base = labels.reduce((s, y) => s + y, 0) / labels.length;
  const w = new Array<number>(p).fill(0);
  w[0] = Math.log(Math.max(1e-6, base) / Math.max(1e-6, 1 - base));

  for (let step = 1; step <= maxIterations; step++) {
    const gradient = w.map((wi, i) => (i === 0 ? 0 : l2 * wi));
    const hessian = Array.from({ length: p }, (_, i) =>
      Array.from({ length: p }, (__, j) => (i === j && i > 0 ? l2 : 0)),
    );
    for (let r = 0; r < z.length; r++) {
      const row = nth(z, r);
      let s = 0;
      for (let i = 0; i < p; i++) s += nth(w, i) * nth(row, i);
      const mu = sigmoid(s);
      const residual = mu - nth(labels, r);
      const weight = Math.max(mu * (1 - mu), 1e-9);
      for (let i = 0; i < p; i++) {
        const ri = nth(row, i);
        if (ri === 0) continue;
        gradient[i] = nth(gradient, i) + residual * ri;
        const hi = nth(hessian, i);
        for (let j = 0; j <= i; j++) hi[j] = nth(hi, j) + weight * ri * nth(row, j);
      }
    }
    for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) nth(hessian, j)[i] = nth(nth(hessian, i), j);
    const delta = solveSpd(hessian, gradient);
    let change = 0;
    for (let i = 0; i < p; i++) {
      w[i] = nth(w, i) - nth(delta, i);
      change = Math.max(change, Math.abs(nth(delta, i)));
    }
    options.onStep?.(step, maxIterations);
    if (change < 1e-6) {
      options.onStep?.(maxIterations, maxIterations);
      break;
    }
  }
  return { means, scales, weights: w };
}
