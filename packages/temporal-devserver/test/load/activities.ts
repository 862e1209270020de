export async function square(n: number): Promise<number> {
  // Tell the parent test how far the run got, so it can kill this worker mid-run.
  process.stdout.write('activity-done\n');
  return n * n;
}
