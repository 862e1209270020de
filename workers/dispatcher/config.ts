// The dispatcher's and reconciler's settings, from the environment (a bad value stops start-up naming the variable).
export interface DispatchConfig {
  /** Whether this process runs the dispatcher and the reconciler (TACT_DISPATCHER=on|off, default on). */
  enabled: boolean;
  concurrency: number;
  pollMs: number;
  /** 0: no periodic reconciliation (npm run reconcile still works). */
  reconcileIntervalMs: number;
  /** Undelivered rows beyond which the API refuses new work with 503 (back-pressure); 0: no limit. */
  maxBacklog: number;
}

export const DEFAULT_DISPATCH_CONFIG: DispatchConfig = {
  enabled: true,
  concurrency: 32,
  pollMs: 250,
  reconcileIntervalMs: 300_000,
  maxBacklog: 200_000,
};

export function loadDispatchConfig(env: Record<string, string | undefined>): DispatchConfig {
  const int = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${raw}"`);
    return value;
  };
  const switchValue = (env.TACT_DISPATCHER ?? '').trim().toLowerCase() || 'on';
  if (switchValue !== 'on' && switchValue !== 'off') {
    throw new Error(`TACT_DISPATCHER must be on or off, got "${env.TACT_DISPATCHER}"`);
  }
  const concurrency = int('TACT_DISPATCH_CONCURRENCY', DEFAULT_DISPATCH_CONFIG.concurrency);
  if (concurrency < 1) throw new Error('TACT_DISPATCH_CONCURRENCY must be at least 1');
  return {
    enabled: switchValue === 'on',
    concurrency,
    pollMs: Math.max(10, int('TACT_DISPATCH_POLL_MS', DEFAULT_DISPATCH_CONFIG.pollMs)),
    reconcileIntervalMs: int('TACT_RECONCILE_INTERVAL_MS', DEFAULT_DISPATCH_CONFIG.reconcileIntervalMs),
    maxBacklog: int('TACT_INGEST_MAX_BACKLOG', DEFAULT_DISPATCH_CONFIG.maxBacklog),
  };
}

/** TACT_DECISION_LOG_DELAY_MS: how long a suppression may wait before it is written to the decision log. */
export function parseDecisionLogDelay(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const delay = Number(value);
  if (!Number.isInteger(delay) || delay < 0) {
    throw new Error(`TACT_DECISION_LOG_DELAY_MS must be a whole number of milliseconds, got "${value}"`);
  }
  return delay;
}
