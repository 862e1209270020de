// What a user workflow hands to its next run at continue-as-new: versioned, so a run started by newer code can
// tell which shape it received and migrate it (docs/workflow-changes.md says when a change needs a new version).
import type { InboxMessage, UserState } from './user-state';

/** The version this code writes. Bump it whenever the carried shape changes, and migrate from the previous one. */
export const CARRIED_STATE_VERSION = 1;

/** Everything a new run needs after continue-as-new. */
export interface CarriedState {
  v: typeof CARRIED_STATE_VERSION;
  state: UserState;
  inbox: InboxMessage[];
}

/**
 * Written by runs before versioning (no `v`). Its state and inbox have the same fields as version 1: version 1
 * only adds the version itself.
 */
export interface UnversionedCarriedState {
  v?: undefined;
  state: UserState;
  inbox: InboxMessage[];
}

/** Any carried shape a run may receive: its own version, or one written by the previous code. */
export type AnyCarriedState = CarriedState | UnversionedCarriedState;

export function carry(state: UserState, inbox: InboxMessage[]): CarriedState {
  return { v: CARRIED_STATE_VERSION, state, inbox };
}

/**
 * The current shape of whatever a previous run carried. A version this code does not know (written by newer code,
 * then rolled back) throws, which fails the workflow task: it is retried until code that knows it is deployed,
 * instead of running on state it would misread.
 */
export function migrate(carried: AnyCarriedState): CarriedState {
  if (carried.v === undefined) return carry(carried.state, carried.inbox);
  if (carried.v === CARRIED_STATE_VERSION) return carried;
  throw new Error(`carried state version ${String((carried as { v: unknown }).v)} is newer than this code knows`);
}
