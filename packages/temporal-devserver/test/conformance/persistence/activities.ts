import { Context } from '@temporalio/activity';

/** Returns `text` reversed after `ms` (so the server can die while it runs). */
export async function echoSlowly(text: string, ms: number): Promise<string> {
  await Context.current().sleep(ms);
  return [...text].reverse().join('');
}
