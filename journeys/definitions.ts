// What passes between a user's workflow and the journey runs it hosts, defined once and shared by both sides (and by
// the API's client). Journey runs are child workflows of the user workflow (see journeys/README.md for why).
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EnrollmentSource, JourneyEndReason, JourneyRunRecord } from '../domain/journey-runs';
import type { Candidate, EpochMs, Outcome, UserEvent, UserProfile } from '../domain/types';

export const JOURNEY_WORKFLOW_TYPE = 'journeyWorkflow';

/**
 * A journey run's workflow id: under its user's (`user:<id>/…`, so erasure ends it with the user's workflows), with
 * the journey's name and the user's enrollment count for it. User ids are opaque: no PII.
 */
export function journeyRunId(userWorkflowId: string, journey: string, enrollment: number): string {
  return `${userWorkflowId}/journey/${journey}/${enrollment}`;
}

export type { EnrollmentSource, JourneyEndReason, JourneyRunRecord } from '../domain/journey-runs';

/** What a journey can read of its user: the profile, the lifecycle inputs, the enrollment data. */
export interface JourneyUser {
  userId: string;
  profile: UserProfile;
  /** The latest engagement the user workflow knows (receipt, app open, session); absent before any. */
  lastEngagementAt?: EpochMs;
  /** When the user workflow first saw the user. */
  userSince: EpochMs;
  globalOptOut: boolean;
}

export interface JourneyInput {
  journey: string;
  /** The code version the run started on (defineJourney's `version`). */
  version: number;
  userWorkflowId: string;
  enrolledAt: EpochMs;
  source: EnrollmentSource;
  /** The enrolling event's properties, or the API caller's / campaign's data. */
  data: Record<string, unknown>;
  user: JourneyUser;
}

/** One message from the user workflow to a run, numbered per run (the run ignores a number it has seen). */
export type JourneyMessage =
  | { seq: number; kind: 'event'; event: UserEvent }
  | { seq: number; kind: 'outcome'; candidateId: string; outcome: Outcome }
  | { seq: number; kind: 'user'; user: JourneyUser }
  | { seq: number; kind: 'stop'; reason: JourneyEndReason };

/** Messages in order; one signal carries every message queued for the run since the last one. */
export const journeyMessagesSignal = defineSignal<[JourneyMessage[]]>('journeyMessages');

/** What a run reports to its user's workflow. */
export type JourneyReport =
  | { kind: 'propose'; runId: string; step: string; candidate: Candidate }
  | { kind: 'ended'; runId: string; reason: JourneyEndReason; converted: boolean; at: EpochMs };
export const journeyReportSignal = defineSignal<[JourneyReport]>('journeyReport');

/** A run as ops see it. */
export interface JourneyRunView {
  journey: string;
  version: number;
  step: string;
  waitingFor: string | null;
  until: EpochMs | null;
  enrolledAt: EpochMs;
  converted: boolean;
  proposed: number;
  outcomes: Record<string, number>;
}
export const journeyRunQuery = defineQuery<JourneyRunView>('journeyRun');

/** Enrolls the user (POST /v1/users/{id}/journeys/{name}, a campaign); the user workflow applies the rules. */
export interface EnrollSignalInput {
  journey: string;
  source: EnrollmentSource;
  data?: Record<string, unknown>;
}
export const enrollSignal = defineSignal<[EnrollSignalInput]>('enroll');

/** The journey workflow's activities (activities/journeys.ts): the journeys table behind GET /v1/journeys. */
export interface JourneyActivities {
  recordJourneyRun(record: JourneyRunRecord): Promise<void>;
}
