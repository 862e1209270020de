import { condition, defineSignal, getExternalWorkflowHandle, setHandler, sleep } from '@temporalio/workflow';

export const messageSignal = defineSignal<[string]>('message');

export async function waitForMessage(): Promise<string> {
  let message: string | undefined;
  setHandler(messageSignal, (m) => {
    message = m;
  });
  await condition(() => message !== undefined);
  return message!;
}

export async function sleepUntilCancelled(): Promise<void> {
  await sleep('1 day');
}

export async function signalOther(targetId: string, message: string): Promise<'sent' | 'failed'> {
  try {
    await getExternalWorkflowHandle(targetId).signal(messageSignal, message);
    return 'sent';
  } catch {
    return 'failed';
  }
}

export async function cancelOther(targetId: string): Promise<'requested' | 'failed'> {
  try {
    await getExternalWorkflowHandle(targetId).cancel();
    return 'requested';
  } catch {
    return 'failed';
  }
}
