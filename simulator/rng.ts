import { nth } from '../domain/present';
// Seeded randomness: every draw of the simulation comes from a stream named by (seed, user, purpose), so policies
// compared on the same seed meet the same population, the same events and the same coin flips.

/** mulberry32: a small, fast generator with a 32-bit state; good enough for simulation, not for secrets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream seed from a few integers (FNV-1a over them). */
export function streamSeed(...parts: number[]): number {
  let h = 2166136261;
  for (const part of parts) {
    h = Math.imul(h ^ (part & 0xffff), 16777619);
    h = Math.imul(h ^ (part >>> 16), 16777619);
  }
  return h >>> 0;
}

export function poisson(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = random(); p > limit; p *= random()) k++;
  return k;
}

export function normal(random: () => number): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return nth(items, Math.floor(random() * items.length));
}
