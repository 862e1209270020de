// Workflow time as an instant. In workflow code Date.now() is the SDK's: the time of the current workflow task,
// the same on every replay (docs/workflow-changes.md), so this is where workflow code's instants enter. Type-only:
// the value is Date.now()'s number, so using it changes no history.
import type { EpochMs } from '../domain/types';
import { epochMs } from '../domain/units';

export function workflowNow(): EpochMs {
  return epochMs(Date.now());
}
