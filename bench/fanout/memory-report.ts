// The campaign bench's memory table and chart (bench/campaigns.ts): RSS and heap of the server, worker and bench
// processes along the run, per phase, and whether each stays flat.
import { nth } from '../../domain/present';
import type { MemorySample } from './protocol';
import type { MemoryLog, ProcessName } from './processes';

export interface Phase {
  label: string;
  from: number;
  to: number;
  /** User workflows this phase starts (for growth per 100,000 users). */
  users: number;
}

const MB = 1_048_576;
const BARS = '▁▂▃▄▅▆▇█';
const ROWS = 16;
const SPARK_WIDTH = 60;
/** The worker or the bench is flat when the fan-out leaves at most this much more heap retained. */
const FLAT_MB = 16;

const mb = (bytes: number) => (bytes / MB).toFixed(0);

/** The last sample at or before `at` (the first one if none is). */
function at(samples: MemorySample[], time: number): MemorySample | undefined {
  let found = samples[0];
  for (const s of samples) {
    if (s.at > time) break;
    found = s;
  }
  return found;
}

function phaseAt(phases: Phase[], time: number): string {
  return phases.find((p) => time >= p.from && time <= p.to)?.label ?? '';
}

function sparkline(values: number[]): string {
  if (values.length === 0) return '';
  const step = Math.max(1, values.length / SPARK_WIDTH);
  const picked: number[] = [];
  for (let i = 0; i < values.length; i += step) picked.push(values[Math.floor(i)] ?? 0);
  const max = Math.max(...picked);
  // From zero, so a flat line reads as a flat line and not as noise stretched to full height.
  return picked.map((v) => BARS[Math.min(BARS.length - 1, Math.floor((v / max) * BARS.length))] ?? ' ').join('');
}

export function printMemory(log: MemoryLog, phases: Phase[]): void {
  const names: ProcessName[] = ['server', 'worker', 'bench'];
  const all = [...log.samples.values()].flat();
  if (all.length === 0) return;
  const start = Math.min(...all.map((s) => s.at));
  const end = Math.max(...all.map((s) => s.at));

  console.log(`\nmemory, MB (RSS / main-thread heap), ${ROWS} points from ${all.length} samples:`);
  console.log(`  ${'t (s)'.padStart(6)}  ${'phase'.padEnd(12)}${names.map((n) => n.padStart(16)).join('')}`);
  for (let i = 0; i < ROWS; i++) {
    const time = start + ((end - start) * i) / (ROWS - 1);
    const cells = names.map((n) => {
      const s = at(log.samples.get(n) ?? [], time);
      return (s ? `${mb(s.rss)} / ${mb(s.heapUsed)}` : '-').padStart(16);
    });
    console.log(
      `  ${((time - start) / 1000).toFixed(0).padStart(6)}  ${phaseAt(phases, time).padEnd(12)}${cells.join('')}`,
    );
  }

  console.log('\nRSS along the run (bars from 0 MB to the process peak):');
  for (const n of names) {
    const samples = log.samples.get(n) ?? [];
    console.log(`  ${n.padEnd(7)} ${sparkline(samples.map((s) => s.rss))}`);
  }

  console.log('\nper process, periodic samples (MB start / peak / end):');
  for (const n of names) {
    const samples = log.samples.get(n) ?? [];
    const first = samples[0];
    const last = samples.at(-1);
    if (first === undefined || last === undefined) continue;
    const peakRss = Math.max(...samples.map((s) => s.rss));
    const peakHeap = Math.max(...samples.map((s) => s.heapUsed));
    console.log(
      `  ${n.padEnd(7)} RSS ${mb(first.rss)} / ${mb(peakRss)} / ${mb(last.rss)}   heap ${mb(first.heapUsed)} / ${mb(peakHeap)} / ${mb(last.heapUsed)}`,
    );
  }
}

/**
 * Memory each process retains (after full garbage collections) at the checkpoints between phases, the change per
 * phase per 100,000 users it started, and whether the worker and the bench stay flat across the fan-out. The server
 * keeps every workflow it stores in memory, so it grows with the user workflows; the question for it is whether the
 * fan-out costs it more per user than the baseline's bare signal-with-starts.
 */
export function printRetained(log: MemoryLog, checkpoints: { tag: string; after?: Phase }[]): void {
  const names: ProcessName[] = ['server', 'worker', 'bench'];
  console.log('\nretained after full GC, MB (RSS / heap):');
  console.log(`  ${'checkpoint'.padEnd(20)}${names.map((n) => n.padStart(16)).join('')}`);
  for (const { tag } of checkpoints) {
    const row = log.settled.get(tag);
    const cells = names.map((n) => {
      const s = row?.get(n);
      return (s ? `${mb(s.rss)} / ${mb(s.heapUsed)}` : '-').padStart(16);
    });
    console.log(`  ${tag.padEnd(20)}${cells.join('')}`);
  }
  console.log('\nchange per 100,000 users started in the phase, MB (RSS / heap):');
  const steps = checkpoints.slice(1).map((c, i) => ({ from: nth(checkpoints, i).tag, ...c }));
  console.log(`  ${'phase'.padEnd(20)}${names.map((n) => n.padStart(16)).join('')}`);
  const perUser = new Map<string, Map<ProcessName, number>>();
  for (const { from, tag, after } of steps) {
    if (after === undefined) continue;
    const per = new Map<ProcessName, number>();
    const cells = names.map((n) => {
      const a = log.settled.get(from)?.get(n);
      const b = log.settled.get(tag)?.get(n);
      if (a === undefined || b === undefined) return '-'.padStart(16);
      const scale = 100_000 / Math.max(after.users, 1);
      per.set(n, (b.heapUsed - a.heapUsed) / Math.max(after.users, 1));
      const signed = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes * scale)}`;
      return `${signed(b.rss - a.rss)} / ${signed(b.heapUsed - a.heapUsed)}`.padStart(16);
    });
    perUser.set(after.label, per);
    console.log(`  ${after.label.padEnd(20)}${cells.join('')}`);
  }
  const fan = perUser.get('fan-out');
  const base = [...perUser.entries()].filter(([label]) => label.startsWith('baseline')).map(([, per]) => per);
  if (fan === undefined) return;
  const fanPhase = checkpoints.find((c) => c.after?.label === 'fan-out')?.after;
  const users = fanPhase?.users ?? 0;
  for (const n of ['worker', 'bench'] as const) {
    const grown = (fan.get(n) ?? 0) * users;
    const flat = grown <= FLAT_MB * MB;
    console.log(
      `  ${n}: retained heap ${grown >= 0 ? '+' : ''}${mb(grown)} MB across the fan-out of ${users.toLocaleString()} users: ${flat ? 'flat' : 'GROWS'} (flat: at most ${FLAT_MB} MB)`,
    );
  }
  const serverFan = fan.get('server') ?? 0;
  const serverBase = base.map((per) => per.get('server') ?? 0);
  const baseAvg = serverBase.reduce((a, b) => a + b, 0) / Math.max(serverBase.length, 1);
  console.log(
    `  server: retained heap ${(serverFan / 1024).toFixed(1)} KiB per user in the fan-out, ${(baseAvg / 1024).toFixed(1)} KiB per user in the baseline (its in-memory store of the user workflows)`,
  );
}
