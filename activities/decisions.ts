// Recording decisions through the DecisionStore port, and an in-memory store for tests and dry runs.
import type { DecisionStore, SendHistorySource } from '../domain/ports';
import type { Decision, EpochMs, SendRecord } from '../domain/types';
import { handover, type HandoverSources } from './handover';
import type { RecordDecisionsInput, RecordDecisionsResult } from './types';

export function createRecordDecisions(
  store: DecisionStore,
  sources: HandoverSources = {},
): (input: RecordDecisionsInput) => Promise<RecordDecisionsResult> {
  return async ({ userId, decisions, configVersion }) => {
    if (decisions.length > 0) await store.recordDecisions(userId, decisions);
    return await handover(sources, userId, configVersion);
  };
}

/** Keeps decisions in memory, idempotent on (userId, candidateId) like the PostgreSQL store. */
export class InMemoryDecisionStore implements DecisionStore, SendHistorySource {
  private readonly byUser = new Map<string, Map<string, Decision>>();

  async recordDecisions(userId: string, decisions: Decision[]): Promise<void> {
    let log = this.byUser.get(userId);
    if (!log) {
      log = new Map();
      this.byUser.set(userId, log);
    }
    for (const decision of decisions) {
      if (!log.has(decision.candidateId)) log.set(decision.candidateId, decision);
    }
  }

  async recentSends(userId: string, since: EpochMs, atLeast: number): Promise<SendRecord[]> {
    const sends: SendRecord[] = [];
    for (const { candidateId, category, outcome } of this.decisionsFor(userId)) {
      if (outcome.kind === 'sent') sends.push({ candidateId, category, channel: outcome.channel, at: outcome.at });
    }
    sends.sort((a, b) => a.at - b.at);
    return sends.filter((send, i) => send.at > since || i >= sends.length - atLeast);
  }

  /** A user's decisions in the order they were first recorded. */
  decisionsFor(userId: string): Decision[] {
    return [...(this.byUser.get(userId)?.values() ?? [])];
  }

  users(): string[] {
    return [...this.byUser.keys()];
  }
}
