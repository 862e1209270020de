import { nth } from '../../domain/present';
// How good an open-probability predictor is on held-out rows: ranking (AUC), probability quality (log-loss) and
// calibration by decile of prediction.

export interface Evaluation {
  rows: number;
  positives: number;
  auc: number;
  logLoss: number;
  /** Deciles of predicted probability: mean prediction vs observed rate. */
  calibration: { predicted: number; observed: number; rows: number }[];
}

/** Area under the ROC curve by the rank-sum formula (ties share their rank). */
export function auc(predictions: readonly number[], labels: readonly number[]): number {
  const order = predictions.map((p, i) => ({ p, y: nth(labels, i) })).sort((a, b) => a.p - b.p);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && nth(order, j).p === nth(order, i).p) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (nth(order, k).y === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function logLoss(predictions: readonly number[], labels: readonly number[]): number {
  let sum = 0;
  predictions.forEach((p, i) => {
    const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
    sum -= labels[i] === 1 ? Math.log(q) : Math.log(1 - q);
  });
  return sum / Math.max(1, predictions.length);
}

export function evaluate(predictions: readonly number[], labels: readonly number[]): Evaluation {
  const order = predictions.map((p, i) => ({ p, y: nth(labels, i) })).sort((a, b) => a.p - b.p);
  const calibration: Evaluation['calibration'] = [];
  for (let d = 0; d < 10; d++) {
    const slice = order.slice(Math.floor((d * order.length) / 10), Math.floor(((d + 1) * order.length) / 10));
    if (slice.length === 0) continue;
    calibration.push({
      predicted: slice.reduce((s, r) => s + r.p, 0) / slice.length,
      observed: slice.reduce((s, r) => s + r.y, 0) / slice.length,
      rows: slice.length,
    });
  }
  return {
    rows: labels.length,
    positives: labels.filter((y) => y === 1).length,
    auc: auc(predictions, labels),
    logLoss: logLoss(predictions, labels),
    calibration,
  };
}
