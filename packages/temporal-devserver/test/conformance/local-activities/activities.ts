import { Context } from '@temporalio/activity';

export async function shout(text: string): Promise<string> {
  return text.toUpperCase();
}

/** Fails until its third attempt, then reports the attempt it succeeded on. */
export async function succeedOnThirdAttempt(): Promise<number> {
  const { attempt } = Context.current().info;
  if (attempt < 3) throw new Error(`attempt ${attempt} fails on purpose`);
  return attempt;
}
