// Schedule jitter as Temporal computes it (service/worker/scheduler/spec.go `addJitter`): FarmHash Fingerprint32 of
// the nominal time and the schedule's seed. The expected times are those of Temporal's own spec_test.go, and the
// hash is checked against the vectors of the Go library Temporal uses (github.com/dgryski/go-farm).
import { fingerprint32 } from 'farmhash-modern';
import { describe, expect, it } from 'vitest';
import { canonicalizeSpec, CompiledSpec, jitter, type ScheduleSpecMessage } from '../../src/schedules/spec';

const HOUR = 3600;

function sequence(seed: string, spec: ScheduleSpecMessage, start: string, count: number): string[] {
  const compiled = new CompiledSpec(canonicalizeSpec(spec));
  const out: string[] = [];
  let t: number | undefined = Date.parse(start);
  for (let i = 0; i < count && t !== undefined; i += 1) {
    t = compiled.nextTime(seed, t)?.next;
    if (t !== undefined) out.push(new Date(t).toISOString());
  }
  return out;
}

describe('schedule jitter', () => {
  it("hashes with FarmHash Fingerprint32 (go-farm's test vectors)", () => {
    const vectors: [string, number][] = [
      ['', 0xdc56d17a],
      ['a', 0x3c973d4d],
      ['abcdefgh', 0xfd7ec8b9],
      ['0123456789^0123456789', 0x536d1efd],
      ['0123456789%0123456789£', 0x1723dd7a],
      ['Discard medicine more than two years old.', 0xe273108f],
      ['The major problem is with sendmail.  -Mark Horton', 0xd225e92e],
    ];
    for (const [input, expected] of vectors) expect(fingerprint32(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it("gives Temporal's jittered times for a seed (TestSpecJitterSeed)", () => {
    const spec = { interval: [{ interval: { seconds: 24 * HOUR } }], jitter: { seconds: HOUR } };
    expect(sequence('', spec, '2022-03-23T11:00:00Z', 1)).toEqual(['2022-03-24T00:35:24.276Z']);
    expect(sequence('seed-1', spec, '2022-03-23T11:00:00Z', 1)).toEqual(['2022-03-24T00:06:12.519Z']);
    expect(sequence('seed-2', spec, '2022-03-23T11:00:00Z', 1)).toEqual(['2022-03-24T00:39:16.922Z']);
  });

  it('bounds jitter by the next nominal time (TestSpecBoundedJitter, TestSpecStartTime)', () => {
    expect(
      sequence(
        '',
        { interval: [{ interval: { seconds: 90 * 60 } }], jitter: { seconds: 24 * HOUR } },
        '2022-03-23T11:00:00Z',
        3,
      ),
    ).toEqual(['2022-03-23T12:14:36.524Z', '2022-03-23T14:22:54.562Z', '2022-03-23T15:08:03.724Z']);
    expect(
      sequence(
        '',
        {
          interval: [{ interval: { seconds: 90 * 60 } }],
          startTime: { seconds: Date.parse('2022-03-23T12:00:00Z') / 1000 },
          jitter: { seconds: 1 },
        },
        '2022-03-23T08:00:00Z',
        3,
      ),
    ).toEqual(['2022-03-23T12:00:00.162Z', '2022-03-23T13:30:00.587Z', '2022-03-23T15:00:00.089Z']);
  });

  it('a calendar time with jitter (TestSpecJitterSingleRun)', () => {
    const calendar = [{ hour: '13', minute: '55', dayOfMonth: '7', month: '4', year: '2022' }];
    expect(sequence('', { calendar }, '2022-03-23T11:00:00Z', 2)).toEqual(['2022-04-07T13:55:00.000Z']);
    expect(sequence('', { calendar, jitter: { seconds: HOUR } }, '2022-03-23T11:00:00Z', 1)).toEqual([
      '2022-04-07T13:57:26.927Z',
    ]);
  });

  it('stays within its bound and is stable for a seed and nominal time', () => {
    const nominal = Date.parse('2024-06-01T12:00:00Z');
    for (let i = 0; i < 200; i += 1) {
      const offset = jitter(`ns-sched-${i}`, nominal + i * 1000, 30_000);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(30_000);
      expect(jitter(`ns-sched-${i}`, nominal + i * 1000, 30_000)).toBe(offset);
    }
    expect(jitter('s', nominal, 0)).toBe(0);
    // Bounds above 2^32 ms are capped as Temporal caps them (about 49 days).
    expect(jitter('s', nominal, 2 ** 40)).toBeLessThan(2 ** 32);
  });
});
