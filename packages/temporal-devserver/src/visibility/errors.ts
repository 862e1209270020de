/** The gRPC status a search attribute error maps to, as Temporal's frontend answers it. */
export type SearchAttributeErrorCode = 'INVALID_ARGUMENT' | 'ALREADY_EXISTS' | 'NOT_FOUND';

export class SearchAttributeError extends Error {
  override readonly name = 'SearchAttributeError';
  constructor(
    message: string,
    readonly code: SearchAttributeErrorCode = 'INVALID_ARGUMENT',
  ) {
    super(message);
  }
}

/**
 * A list filter that cannot be run; the server answers it with `INVALID_ARGUMENT` and this message.
 * `position` is the 1-based character offset in the query where the problem is, when there is one.
 */
export class ListFilterError extends Error {
  override readonly name = 'ListFilterError';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}
