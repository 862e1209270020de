// Long-poll task queues. A queued task is a reference that builds its poll response only when handed
// to a live poller (and answers null if it went stale meanwhile, e.g. the workflow closed).

export interface QueuedTask<R> {
  /** Marks the task started and builds the poll response, or null if the task is no longer valid. */
  dispatch(identity: string): R | null;
  /** Called when the (sticky) queue holding the task goes away, to re-route it. */
  onQueueGone?(): void;
}

export interface PollContext {
  identity: string;
  /** The polling worker's `workerInstanceKey` ('' when the SDK sends none): ShutdownWorker ends its polls. */
  workerInstanceKey?: string | undefined;
  /** Registers a callback run when the caller gives up (gRPC call cancelled or deadline hit). */
  onCancel(cb: () => void): void;
  isCancelled(): boolean;
}

interface Poller<R> {
  ctx: PollContext;
  resolve(response: R | null): void;
}

export class TaskQueue<R> {
  private tasks: QueuedTask<R>[] = [];
  private pollers: Poller<R>[] = [];
  private lastPollRealMs = 0;
  /** identity → when it last polled (real time), for DescribeTaskQueue. */
  private readonly seenPollers = new Map<string, number>();

  constructor(readonly name: string) {}

  offer(task: QueuedTask<R>): void {
    while (this.pollers.length > 0) {
      const poller = this.pollers.shift()!;
      if (poller.ctx.isCancelled()) continue;
      const response = task.dispatch(poller.ctx.identity);
      if (response !== null) poller.resolve(response);
      else this.pollers.unshift(poller);
      return;
    }
    this.tasks.push(task);
  }

  /** Waits up to `timeoutMs` for a task; answers null (an empty poll response) when none came. */
  poll(ctx: PollContext, timeoutMs: number): Promise<R | null> {
    this.lastPollRealMs = Date.now();
    this.seenPollers.delete(ctx.identity);
    this.seenPollers.set(ctx.identity, this.lastPollRealMs);
    while (this.tasks.length > 0) {
      const response = this.tasks.shift()!.dispatch(ctx.identity);
      if (response !== null) return Promise.resolve(response);
    }
    return new Promise((resolve) => {
      let settled = false;
      const poller: Poller<R> = {
        ctx,
        resolve: (response) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.lastPollRealMs = Date.now();
          resolve(response);
        },
      };
      const remove = () => {
        const i = this.pollers.indexOf(poller);
        if (i >= 0) this.pollers.splice(i, 1);
        poller.resolve(null);
      };
      const timer = setTimeout(remove, timeoutMs);
      ctx.onCancel(remove);
      this.pollers.push(poller);
    });
  }

  /** True if a worker polled this queue within `withinMs` (or is polling now). */
  hasRecentPoller(withinMs: number): boolean {
    return this.pollers.length > 0 || Date.now() - this.lastPollRealMs <= withinMs;
  }

  /** Workers that polled within `withinMs`, most recent first (waiting pollers count as polling now). */
  recentPollers(withinMs: number): { identity: string; lastAccessMs: number }[] {
    const now = Date.now();
    const waiting = new Set(this.pollers.map((p) => p.ctx.identity));
    const recent: { identity: string; lastAccessMs: number }[] = [];
    for (const [identity, at] of this.seenPollers) {
      if (waiting.has(identity)) recent.push({ identity, lastAccessMs: now });
      else if (now - at <= withinMs) recent.push({ identity, lastAccessMs: at });
      else this.seenPollers.delete(identity);
    }
    return recent.sort((a, b) => b.lastAccessMs - a.lastAccessMs);
  }

  pollerCount(): number {
    return this.pollers.length;
  }

  /** Removes and returns every queued task (used when a sticky queue's worker shuts down). */
  drain(): QueuedTask<R>[] {
    const tasks = this.tasks;
    this.tasks = [];
    return tasks;
  }

  /** Ends every waiting poll with an empty response (server shutdown), or only those of one worker. */
  releasePollers(workerInstanceKey?: string): void {
    const released =
      workerInstanceKey === undefined
        ? this.pollers.splice(0)
        : this.pollers.filter((p) => p.ctx.workerInstanceKey === workerInstanceKey);
    if (workerInstanceKey !== undefined) this.pollers = this.pollers.filter((p) => !released.includes(p));
    for (const poller of released) poller.resolve(null);
  }
}
