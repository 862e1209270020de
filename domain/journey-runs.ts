// A journey run's start and end as stored for the journeys report (GET /v1/journeys): plain data, shared by the
// journey workflow's activity, the store and the API.
import type { EpochMs } from './types';

/** How a user came to be enrolled. */
export type EnrollmentSource = 'event' | 'api' | 'campaign';

/** Why a run ended: it finished, the user opted out, or an exit event (`exit:<event type>`). */
export type JourneyEndReason = 'completed' | 'opted_out' | `exit:${string}`;

interface RunRef {
  runId: string;
  journey: string;
  version: number;
  userId: string;
  at: EpochMs;
}

export type JourneyRunRecord =
  | (RunRef & { kind: 'enrolled'; source: EnrollmentSource })
  | (RunRef & { kind: 'ended'; reason: JourneyEndReason; converted: boolean });

/** Idempotent per run and kind: a retried write changes nothing. */
export interface JourneyRunStore {
  record(record: JourneyRunRecord): Promise<void>;
}

/** What GET /v1/journeys/{name} reports. */
export interface JourneyStats {
  journey: string;
  enrolled: number;
  active: number;
  completed: number;
  /** Ended by anything but completion, by reason (`exit:purchase_completed`, `opted_out`). */
  exited: Record<string, number>;
  converted: number;
  sends: number;
  suppressions: Record<string, number>;
}
