// TestService (time skipping), served only when the server runs with time skipping on.
import type { Engine } from './engine';
import type { Handlers } from './grpc';
import { msFromDuration, msFromTimestamp, timestampFromMs, type Duration, type Timestamp } from './proto';

export function testHandlers(engine: Engine): Handlers {
  const clock = engine.clock;
  return {
    LockTimeSkipping: () => {
      clock.lock();
      return {};
    },
    UnlockTimeSkipping: () => {
      clock.unlock();
      return {};
    },
    GetCurrentTime: () => ({ time: timestampFromMs(clock.now()) }),
    Sleep: async (req: { duration?: Duration }) => {
      await clock.waitUntil(clock.now() + msFromDuration(req.duration));
      return {};
    },
    SleepUntil: async (req: { timestamp?: Timestamp }) => {
      await clock.waitUntil(msFromTimestamp(req.timestamp) ?? clock.now());
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req: { duration?: Duration }) => {
      const target = clock.now() + msFromDuration(req.duration);
      clock.unlock();
      try {
        await clock.waitUntil(target);
      } finally {
        clock.lock();
      }
      return {};
    },
  };
}
