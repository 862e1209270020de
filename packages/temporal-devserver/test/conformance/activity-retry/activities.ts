import { ApplicationFailure, Context } from '@temporalio/activity';

/** Wall-clock start of every attempt, per key, as seen by the activity. */
export const attemptLog = new Map<string, { attempt: number; at: number }[]>();

function record(key: string): number {
  const { attempt } = Context.current().info;
  attemptLog.set(key, [...(attemptLog.get(key) ?? []), { attempt, at: Date.now() }]);
  return attempt;
}

export async function greet(name: string): Promise<string> {
  return `hello ${name}`;
}

/** Fails with a retryable error until attempt `succeedOn`. */
export async function flaky(key: string, succeedOn: number): Promise<number> {
  const attempt = record(key);
  if (attempt < succeedOn) throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky');
  return attempt;
}

/** Always fails with the given error type. */
export async function alwaysFails(key: string, type: string): Promise<never> {
  record(key);
  throw ApplicationFailure.retryable(`always fails (${type})`, type, { detail: 42 });
}

/** Fails with an error the activity itself marks non-retryable. */
export async function failsNonRetryable(key: string): Promise<never> {
  record(key);
  throw ApplicationFailure.nonRetryable('cannot ever work', 'Permanent');
}
