/** Waits `ms`. As a local activity it holds the workflow task open: the worker completes no task meanwhile. */
export async function pause(ms: number): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `paused ${ms} ms`;
}
