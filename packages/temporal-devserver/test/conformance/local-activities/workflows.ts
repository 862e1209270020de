import { proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { shout, succeedOnThirdAttempt } = proxyLocalActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '50 ms', backoffCoefficient: 1 },
});

export async function useLocalActivities(text: string): Promise<{ shouted: string; attempt: number }> {
  return { shouted: await shout(text), attempt: await succeedOnThirdAttempt() };
}
