// The decision log as GET /v1/users/{id}/decisions shows it: the rows in PostgreSQL merged with the decisions the
// user's workflow has made but not written yet. The workflow buffers suppressions for up to decisionLogDelayMs
// (workflows/decision-log.ts) to save Temporal actions, and shows them at once in its `state` query; merging them
// here makes the log truthful without waiting. Every page is merged, so paging never skips a buffered decision.
//
// Order, newest first: decision time, then buffered decisions before recorded ones of the same instant (they will
// be recorded later, so with a higher row id), then row id, or for buffered ones a hash of the candidate id.
import { createHash } from 'node:crypto';
import {
  decodeLogCursor,
  encodeLogCursor,
  LAST_LOG_ID,
  matchesProvenance,
  type DecisionFilter,
  type ProvenanceFilter,
  type DecisionRepository,
  type LoggedDecision,
  type LogPosition,
} from '../db/decisions';
import type { NotificationEventRepository } from '../db/notification-events';
import type { Decision, EpochMs } from '../domain/types';
import type { Logger } from './logger';
import type { UserWorkflows } from './workflow-gateway';
import { present } from '../domain/present';
import { epochMs } from '../domain/units';

/**
 * Whether the page includes the workflow's not-yet-recorded decisions: `included`; `no_workflow` (the user has
 * none, so the database is the whole log); `unavailable` (Temporal or the workflow did not answer: recent
 * suppressions may be missing until the workflow writes them).
 */
export type LiveDecisions = 'included' | 'no_workflow' | 'unavailable';

export interface DecisionLogEntry {
  decision: LoggedDecision;
  /** False for a decision only the workflow holds so far. */
  recorded: boolean;
}

export interface DecisionLogPage {
  entries: DecisionLogEntry[];
  nextCursor?: string;
  liveDecisions: LiveDecisions;
}

export interface DecisionLogSources {
  decisions: DecisionRepository;
  notificationEvents: NotificationEventRepository;
  workflows: UserWorkflows;
  logger: Logger;
}

export interface DecisionLogQuery {
  limit: number;
  cursor?: string | undefined;
  outcome?: DecisionFilter | undefined;
  provenance?: ProvenanceFilter | undefined;
}

/** A place in the merged order. */
type Position =
  | { kind: 'recorded'; at: EpochMs; id: bigint }
  | { kind: 'unrecorded'; at: EpochMs; /** 16 hex digits of the candidate id's SHA-256 */ tie: string };

interface Item extends DecisionLogEntry {
  position: Position;
}

/** Reads one page; throws InvalidCursorError for a cursor this module did not hand out. */
export async function readDecisionLog(
  sources: DecisionLogSources,
  userId: string,
  query: DecisionLogQuery,
): Promise<DecisionLogPage> {
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
  // In this order, a decision the workflow writes meanwhile is shown once: if written before the check of what
  // is recorded, the rows read after it have it; if after, it is shown as not yet recorded (and its row, if
  // already read, replaces it).
  const live = await liveDecisions(sources, userId);
  const buffered = live.kind === 'included' ? await unrecorded(sources, userId, live.decisions, query, after) : [];
  const stored = await sources.decisions.listBefore(userId, {
    limit: query.limit,
    before: after === null ? null : storedBound(after),
    outcome: query.outcome,
    provenance: query.provenance,
  });
  const items: Item[] = stored.entries.map(({ decision, position }) => ({
    decision,
    recorded: true,
    position: { kind: 'recorded', at: position.decidedAt, id: BigInt(position.id) },
  }));
  const onPage = new Set(items.map((item) => item.decision.candidateId));
  items.push(...buffered.filter((item) => !onPage.has(item.decision.candidateId)));
  items.sort((a, b) => compare(a.position, b.position));
  const page = items.slice(0, query.limit);
  const last = page.at(-1);
  const more = stored.more || items.length > query.limit;
  return {
    entries: page.map(({ decision, recorded }) => ({ decision, recorded })),
    ...(more && last !== undefined ? { nextCursor: encodeCursor(last.position) } : {}),
    liveDecisions: live.kind,
  };
}

type Live = { kind: 'included'; decisions: readonly Decision[] } | { kind: 'no_workflow' } | { kind: 'unavailable' };

async function liveDecisions(sources: DecisionLogSources, userId: string): Promise<Live> {
  try {
    const view = await sources.workflows.state(userId);
    return view === null ? { kind: 'no_workflow' } : { kind: 'included', decisions: view.recentDecisions };
  } catch (error) {
    // The database alone still answers; the response says the live part is missing.
    sources.logger.warn({ err: error }, 'decision log read without the workflow’s unrecorded decisions');
    return { kind: 'unavailable' };
  }
}

/** The workflow's decisions that belong on this page by filter and position and are not in the database yet. */
async function unrecorded(
  sources: DecisionLogSources,
  userId: string,
  decisions: readonly Decision[],
  query: DecisionLogQuery,
  after: Position | null,
): Promise<Item[]> {
  const byId = new Map<string, Item>();
  for (const decision of decisions) {
    if (!matches(decision, query.outcome) || !matchesProvenance(decision, query.provenance)) continue;
    const position: Position = { kind: 'unrecorded', at: decision.outcome.at, tie: tieOf(decision.candidateId) };
    if (after !== null && compare(after, position) >= 0) continue;
    byId.set(decision.candidateId, { decision, recorded: false, position });
  }
  if (byId.size === 0) return [];
  const recorded = await sources.decisions.recordedAmong(userId, [...byId.keys()]);
  const items = [...byId.values()].filter((item) => !recorded.has(item.decision.candidateId));
  const sentIds = items.filter((item) => item.decision.outcome.kind === 'sent').map((i) => i.decision.candidateId);
  const receipts = await sources.notificationEvents.receiptsOf(userId, sentIds);
  return items.map((item) =>
    item.decision.outcome.kind === 'sent'
      ? { ...item, decision: { ...item.decision, receipts: receipts.get(item.decision.candidateId) ?? {} } }
      : item,
  );
}

function matches(decision: Decision, filter: DecisionFilter | undefined): boolean {
  const { outcome } = decision;
  if (filter === undefined || filter === outcome.kind) return true;
  return outcome.kind === 'suppressed' && outcome.reason === filter;
}

/** Negative when `a` comes first (is newer). */
function compare(a: Position, b: Position): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.kind !== b.kind) return a.kind === 'unrecorded' ? -1 : 1;
  if (a.kind === 'recorded' && b.kind === 'recorded') return a.id === b.id ? 0 : a.id > b.id ? -1 : 1;
  const [x, y] = [(a as { tie: string }).tie, (b as { tie: string }).tie];
  return x === y ? 0 : x > y ? -1 : 1;
}

/** The database rows that come after a position: after a buffered decision, every row of the same instant. */
function storedBound(position: Position): LogPosition {
  return position.kind === 'recorded'
    ? { decidedAt: position.at, id: position.id.toString() }
    : { decidedAt: position.at, id: LAST_LOG_ID };
}

function tieOf(candidateId: string): string {
  return createHash('sha256').update(candidateId).digest('hex').slice(0, 16);
}

// A recorded position uses the repository's own cursor format; a buffered one its own, told apart by the `u`.
function encodeCursor(position: Position): string {
  return position.kind === 'recorded'
    ? encodeLogCursor({ decidedAt: position.at, id: position.id.toString() })
    : Buffer.from(`${position.at}.u${position.tie}`).toString('base64url');
}

function decodeCursor(text: string): Position {
  const buffered = /^(\d{1,15})\.u([0-9a-f]{16})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (buffered !== null)
    return { kind: 'unrecorded', at: epochMs(Number(buffered[1])), tie: present(buffered[2], 'the tie') };
  const { decidedAt, id } = decodeLogCursor(text);
  return { kind: 'recorded', at: decidedAt, id: BigInt(id) };
}
