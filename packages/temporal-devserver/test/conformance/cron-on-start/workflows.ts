import { workflowInfo } from '@temporalio/workflow';

/** Counts its cron runs through the previous run's result, and reports the cron schedule it sees. */
export async function cronCounter(): Promise<{ count: number; cronSchedule: string | undefined }> {
  const previous = workflowInfo().lastResult as { count: number } | undefined;
  return { count: (previous?.count ?? 0) + 1, cronSchedule: workflowInfo().cronSchedule };
}
