import { sleep } from '@temporalio/workflow';

export async function sleepLong(): Promise<void> {
  await sleep('1 day');
}
