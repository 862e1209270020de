// Errors repositories throw for conditions a caller (the API) must tell apart from failures.

/** A write referenced a user that has no stored profile (PUT /v1/users/{id} first). */
export class UnknownUserError extends Error {
  constructor(readonly userId: string) {
    super('unknown user: store the profile (PUT /v1/users/{id}) before its preferences or devices');
    this.name = 'UnknownUserError';
  }
}

/** A paging cursor that this server did not issue or that was altered. */
export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor: pass back the nextCursor of a previous page unchanged');
    this.name = 'InvalidCursorError';
  }
}

/** A change the delivery ledger refuses: a finished delivery cannot change its outcome. */
export class LedgerConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerConflictError';
  }
}
