// Decisions by outcome and reason, receipts and churn for /metrics, read from the funnel's rollups when Prometheus
// scrapes (docs/measurement.md): the same numbers as the reports, totals since the rollups began, and no counter to
// keep in step across API and worker processes.
import { Gauge, type Registry } from 'prom-client';
import type { MeasurementRepository } from '../db/measurement';

export function registerDecisionGauges(registry: Registry, measurement: MeasurementRepository): void {
  if (registry.getSingleMetric('tact_decisions') !== undefined) return;
  let scrape: Promise<Map<string, number>> | undefined;
  // One query per scrape for all three gauges; a database that does not answer leaves them empty, not /metrics down.
  const totals = () =>
    (scrape ??= measurement
      .totals()
      .catch(() => new Map<string, number>())
      .finally(() => setTimeout(() => (scrape = undefined), 0)));
  new Gauge({
    name: 'tact_decisions',
    help: 'Decisions in the decision log by outcome and suppression reason (from the funnel rollups).',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [metric, n] of await totals()) {
        if (metric === 'sent') this.set({ outcome: 'sent', reason: '' }, n);
        else if (metric.startsWith('suppressed:')) {
          this.set({ outcome: 'suppressed', reason: metric.slice('suppressed:'.length) }, n);
        }
      }
    },
  });
  new Gauge({
    name: 'tact_notification_receipts',
    help: 'Receipts of sent notifications by type (delivered, opened, engaged, converted).',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [metric, n] of await totals()) {
        if (['delivered', 'opened', 'engaged', 'converted'].includes(metric)) this.set({ type: metric }, n);
      }
    },
  });
  new Gauge({
    name: 'tact_attributed_churn',
    help: 'Opt-outs and uninstalls (push-token invalidations) attributed to a notification, by kind.',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [metric, n] of await totals()) {
        if (metric === 'opt_out' || metric === 'uninstall') this.set({ kind: metric }, n);
      }
    },
  });
}
