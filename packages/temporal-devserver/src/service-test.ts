// TestService (time skipping), served only when the server runs with time skipping on.
import type { Engine } from './engine';
import type { TestServiceHandlers } from './grpc';
import { msFromDuration, msFromTimestamp, timestampFromMs } from './proto';

export function testHandlers(engine: Engine): TestServiceHandlers {
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
    Sleep: async (req) => {
      await clock.waitUntil(clock.now() + msFromDuration(req.duration));
      return {};
    },
    SleepUntil: async (req) => {
      await clock.waitUntil(msFromTimestamp(req.timestamp) ?? clock.now());
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req) => {
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
