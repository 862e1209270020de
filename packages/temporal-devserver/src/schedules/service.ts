// WorkflowService schedule methods: Create, Describe, Update, Patch, Delete, List and ListScheduleMatchingTimes.
import { status } from '@grpc/grpc-js';
import type { Engine } from '../engine';
import { ApiError, invalidArgument, notFound, requireString } from '../errors';
import type { WorkflowServiceHandlers } from '../grpc';
import type { temporal } from '@temporalio/proto';
import { msFromTimestamp, type Decoded, type Payload } from '../proto';
import { compileListFilter, ListFilterError } from '../visibility/filter';
import { listPage } from '../visibility/paging';
import type { VisibilityRecord } from '../visibility/record';
import { decodeSearchAttributes, SearchAttributeError } from '../visibility/search-attributes';
import { SpecError } from './calendar';
import type { ScheduleMessage, Scheduler } from './scheduler';
import { canonicalizeSpec } from './spec';

const SCHEDULER_WORKFLOW_TYPE = 'temporal-sys-scheduler-workflow';
/** Temporal's schedule workflow id prefix also bounds the id length. */
const MAX_ID_LENGTH = 1000 - 'temporal-sys-scheduler:'.length;

/** What every schedule request names: its namespace and schedule id. */
type ScheduleRef = Pick<Decoded<temporal.api.workflowservice.v1.IDescribeScheduleRequest>, 'namespace' | 'scheduleId'>;

function canonicalSchedule(schedule: ScheduleMessage | undefined): ScheduleMessage {
  const s: ScheduleMessage = { ...(schedule ?? {}) };
  try {
    s.spec = canonicalizeSpec(s.spec ?? {});
  } catch (err) {
    if (err instanceof SpecError) throw invalidArgument(`Invalid schedule spec: ${err.message}`);
    throw err;
  }
  const start = s.action?.startWorkflow;
  if (start) {
    requireString(start.workflowId, 'WorkflowId');
    requireString(start.workflowType?.name, 'WorkflowType');
    requireString(start.taskQueue?.name, 'TaskQueue');
  }
  return s;
}

export function scheduleHandlers(engine: Engine): WorkflowServiceHandlers {
  const find = (req: ScheduleRef): Scheduler => {
    const ns = engine.namespace(req.namespace);
    const id = requireString(req.scheduleId, 'ScheduleId');
    const s = engine.schedules.get(ns.name, id);
    if (!s) throw notFound(`schedule not found: ${id}`);
    return s;
  };
  const checkSearchAttributes = (namespace: string, fields: Record<string, Payload> | undefined) => {
    try {
      if (fields) decodeSearchAttributes(fields, engine.namespace(namespace).registry);
    } catch (err) {
      if (err instanceof SearchAttributeError) throw invalidArgument(err.message);
      throw err;
    }
  };
  return {
    CreateSchedule: (req) => {
      const ns = engine.namespace(req.namespace);
      const scheduleId = requireString(req.scheduleId, 'ScheduleId');
      if (scheduleId.length > MAX_ID_LENGTH) throw invalidArgument('ScheduleId exceeds length limit.');
      const requestId = requireString(req.requestId, 'RequestId');
      const existing = engine.schedules.get(ns.name, scheduleId);
      if (existing) {
        if (existing.state.createRequestId === requestId) return { conflictToken: conflictToken(existing) };
        throw new ApiError(status.ALREADY_EXISTS, `Schedule ${scheduleId} is already registered.`);
      }
      const schedule = canonicalSchedule(req.schedule);
      checkSearchAttributes(ns.name, req.searchAttributes?.indexedFields);
      checkSearchAttributes(ns.name, schedule.action?.startWorkflow?.searchAttributes?.indexedFields);
      const now = engine.clock.now();
      const s = engine.schedules.create({
        namespace: ns.name,
        namespaceId: ns.id,
        scheduleId,
        createRequestId: requestId,
        schedule,
        ...(req.memo?.fields ? { memo: req.memo.fields } : {}),
        ...(req.searchAttributes?.indexedFields ? { searchAttributes: req.searchAttributes.indexedFields } : {}),
        createTimeMs: now,
        lastProcessedMs: now,
        conflictToken: 1,
        actionCount: 0,
        missedCatchupWindow: 0,
        overlapSkipped: 0,
        bufferDropped: 0,
        running: [],
        recent: [],
        buffer: [],
        backfills: [],
      });
      if (req.initialPatch && Object.keys(req.initialPatch).length > 0) s.patch(req.initialPatch);
      else s.iterate();
      engine.changed();
      return { conflictToken: conflictToken(s) };
    },

    DescribeSchedule: (req) => find(req).describe(),

    UpdateSchedule: (req) => {
      const s = find(req);
      const schedule = canonicalSchedule(req.schedule);
      checkSearchAttributes(s.state.namespace, req.searchAttributes?.indexedFields);
      // As Temporal's scheduler does, an update whose conflict token is stale is dropped.
      if (
        req.conflictToken?.length &&
        Buffer.from(req.conflictToken).readBigUInt64BE() !== BigInt(s.state.conflictToken)
      )
        return {};
      s.update(schedule, req.searchAttributes ? (req.searchAttributes.indexedFields ?? {}) : undefined);
      engine.changed();
      return {};
    },

    PatchSchedule: (req) => {
      const s = find(req);
      for (const bf of req.patch?.backfillRequest ?? [])
        if (!bf.startTime || !bf.endTime) throw invalidArgument('Backfill request must have start and end time.');
      s.patch(req.patch ?? {});
      engine.changed();
      return {};
    },

    DeleteSchedule: (req) => {
      engine.schedules.delete(find(req));
      return {};
    },

    ListScheduleMatchingTimes: (req) => {
      const s = find(req);
      const start = msFromTimestamp(req.startTime);
      const end = msFromTimestamp(req.endTime);
      if (start === undefined || end === undefined) throw invalidArgument('missing or invalid query');
      try {
        return { startTime: s.matchingTimes(start, end) };
      } catch (err) {
        if (err instanceof SpecError) throw invalidArgument(err.message);
        throw err;
      }
    },

    ListSchedules: (req) => {
      const ns = engine.namespace(req.namespace);
      const byId = new Map<string, Scheduler>();
      const records: VisibilityRecord[] = [];
      for (const s of engine.schedules.inNamespace(ns.name)) {
        byId.set(s.id, s);
        let custom: Record<string, unknown> = {};
        try {
          custom = decodeSearchAttributes(s.state.searchAttributes ?? {}, ns.registry);
        } catch {
          // a search attribute deregistered since: not filterable
        }
        records.push({
          workflowId: s.id,
          runId: s.id,
          workflowType: SCHEDULER_WORKFLOW_TYPE,
          taskQueue: '',
          status: 'Running',
          startTime: s.state.createTimeMs,
          executionTime: s.state.createTimeMs,
          searchAttributes: { ...custom, TemporalSchedulePaused: s.paused },
        });
      }
      try {
        // Temporal lets a schedule list filter name the schedule as ScheduleId.
        const query = (req.query ?? '').replace(/\bScheduleId\b/g, 'WorkflowId');
        const filter = compileListFilter(query, ns.registry);
        const page = listPage(records, filter, req.maximumPageSize ?? 0, req.nextPageToken);
        return {
          schedules: page.records.map((r) => byId.get(r.workflowId)!.listEntry()),
          nextPageToken: page.nextPageToken,
        };
      } catch (err) {
        if (err instanceof ListFilterError) throw invalidArgument(err.message);
        throw err;
      }
    },
  };
}

function conflictToken(s: Scheduler): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(s.state.conflictToken));
  return b;
}
