// Task tokens: opaque to workers, they name the execution and the exact task attempt they belong to,
// so a late answer for an older attempt is rejected with NOT_FOUND like Temporal does.
import { invalidArgument } from './errors';

export type TaskToken =
  | { kind: 'workflow'; namespace: string; workflowId: string; runId: string; seq: number }
  | {
      kind: 'activity';
      namespace: string;
      workflowId: string;
      runId: string;
      scheduledEventId: number;
      attempt: number;
    }
  | { kind: 'query'; namespace: string; queryId: string };

export function encodeToken(token: TaskToken): Buffer {
  return Buffer.from(JSON.stringify(token), 'utf8');
}

export function decodeToken(bytes: Uint8Array | undefined, expected: TaskToken['kind']): TaskToken {
  if (!bytes || bytes.length === 0) throw invalidArgument('Task token not set on request.');
  let token: TaskToken;
  try {
    token = JSON.parse(Buffer.from(bytes).toString('utf8')) as TaskToken;
  } catch {
    throw invalidArgument('Error deserializing task token.');
  }
  if (token?.kind !== expected) throw invalidArgument(`Task token is not a ${expected} task token.`);
  return token;
}
