/** A workflow command the server rejects: the workflow task fails with `cause` and this message. */
export class CommandError extends Error {
  constructor(
    readonly failedCause: number,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}
