import { Context } from '@temporalio/activity';

/** Sleeps (cancellably) for `ms` without heartbeating. */
export async function slow(ms: number): Promise<string> {
  await Context.current().sleep(ms);
  return 'finished';
}

/** Heartbeats once with `details`, then goes silent for `ms`. */
export async function heartbeatOnceThenStall(details: string, ms: number): Promise<string> {
  Context.current().heartbeat(details);
  await Context.current().sleep(ms);
  return 'finished';
}
