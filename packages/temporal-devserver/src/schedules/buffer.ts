// What to do with buffered starts given the overlap policy: a port of temporalio/temporal
// `service/worker/scheduler/buffer.go` ProcessBuffer.
import type { temporal } from '@temporalio/proto';
import { enums } from '../proto';

const OP = enums.ScheduleOverlapPolicy;

export interface BufferedStart {
  nominalMs: number;
  actualMs: number;
  /** 0 (unspecified) resolves to the schedule's policy when the start is processed, so an update can change it. */
  overlapPolicy: temporal.api.enums.v1.ScheduleOverlapPolicy;
  manual: boolean;
}

export interface BufferDecision {
  overlapping: BufferedStart[];
  nonOverlapping?: BufferedStart | undefined;
  newBuffer: BufferedStart[];
  needCancel: boolean;
  needTerminate: boolean;
  overlapSkipped: number;
}

export function processBuffer(
  buffer: readonly BufferedStart[],
  isRunning: boolean,
  resolve: (policy: temporal.api.enums.v1.ScheduleOverlapPolicy) => temporal.api.enums.v1.ScheduleOverlapPolicy,
): BufferDecision {
  const d: BufferDecision = {
    overlapping: [],
    newBuffer: [],
    needCancel: false,
    needTerminate: false,
    overlapSkipped: 0,
  };
  for (const start of buffer) {
    const policy = resolve(start.overlapPolicy);
    if (policy === OP.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
      d.overlapping.push(start);
      continue;
    }
    if (!isRunning && d.nonOverlapping === undefined) {
      d.nonOverlapping = start;
      continue;
    }
    switch (policy) {
      case OP.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:
        if (d.newBuffer.length === 0) d.newBuffer.push(start);
        else d.overlapSkipped++;
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL:
        d.newBuffer.push(start);
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER:
        if (isRunning) {
          d.needCancel = true;
          d.newBuffer.push(start);
        } else d.nonOverlapping = start;
        break;
      case OP.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER:
        if (isRunning) {
          d.needTerminate = true;
          d.newBuffer.push(start);
        } else d.nonOverlapping = start;
        break;
      default:
        d.overlapSkipped++; // SKIP
    }
  }
  if (d.needCancel || d.needTerminate) d.overlapping = [];
  return d;
}
