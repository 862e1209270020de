// The day plan (PRODUCT.md §4 step 3): which budgeted candidates go in which of the next hours' slots, given the
// daily allowance per local day, the cooldown between sends, a rolling total (dormant users), category allowances,
// each candidate's window (earliest allowed time to expiry) and the value of each slot. Planning one candidate at a
// time at the single best hour of the curve piles a day's candidates onto one peak: one wins, the cooldown blocks
// the rest and they expire. Planning the horizon spreads them over the good hours instead.
//
// The optimization is exact over the slots given: a memoized search over (slot, candidates used, sends already
// planned in the slot's local day), where each slot offers only its top-K feasible candidates by value, K being the
// most sends the horizon can hold. Restricting to the top K loses nothing: if an optimal plan used a candidate
// outside a slot's top K there, one of those K is unused (at most K − 1 others are planned) and swapping it in is
// at least as good. (The swap can only fail on a category allowance, which binds within one day only when a
// category is at its weekly cap; the plan is re-made at every change anyway, and every send is re-checked.)
import type { Category, DurationMs } from './types';
import { nth, present } from './present';

export interface PlanSlot {
  at: number;
  /** The local day the slot is in, 0 = today. */
  day: number;
  /** How much a send here is worth relative to the candidate's base value (the curve's √lift). */
  factor: number;
}

export interface PlanItem {
  category: Category;
  /** Its value at a slot of factor 1. */
  base: number;
  /** The slots it may take: [from, until). */
  from: number;
  until: number;
  /** Its own best slot (−1: none), where it is worth peakValue; elsewhere at most `ceiling`. */
  peak: number;
  peakValue: number;
  ceiling: number;
}

export interface DayPlanInput {
  /** Ascending, distinct instants at which a non-critical notification may go (outside quiet hours). */
  slots: readonly PlanSlot[];
  items: readonly PlanItem[];
  /** Sends still allowed in each local day of the horizon (index = PlanSlot.day). */
  dayAllowance: readonly number[];
  /** Sends allowed over the whole horizon (a dormant user's weekly cap); Infinity when none. */
  totalAllowance: number;
  /** Sends still allowed per category over the horizon; a missing category is unlimited. */
  categoryAllowance: ReadonlyMap<Category, number>;
  cooldownMs: DurationMs;
  /** The first slot an item may take is worth this much more (waiting must buy a real gain). */
  firstSlotBonus: number;
}

export interface PlannedSend {
  item: number;
  slot: number;
}

/** The most candidates the search tracks (a bit each). */
const MAX_TRACKED = 30;

/** The value-maximizing plan, in time order (empty when nothing can go). Ties go to the earlier send. */
export function planDay(input: DayPlanInput): PlannedSend[] {
  const { slots, items, dayAllowance, totalAllowance, categoryAllowance, cooldownMs, firstSlotBonus } = input;
  const slotCount = slots.length;
  if (slotCount === 0 || items.length === 0) return [];

  const next = new Array<number>(slotCount);
  for (let i = 0, j = 0; i < slotCount; i++) {
    if (j <= i) j = i + 1;
    while (j < slotCount && nth(slots, j).at < nth(slots, i).at + cooldownMs) j++;
    next[i] = j;
  }
  const sendsFitting = maxSends(slots, next, dayAllowance);
  const k = Math.min(sendsFitting, totalAllowance, items.length);
  if (k <= 0) return [];

  // Per slot, the top-k feasible items by value (ties: lower index first). Scanning items by base value, a slot's
  // list is complete once the next item could not beat its k-th entry even with the first-slot bonus.
  // Items at their own best slot do not follow the base order: they are offered first.
  const byBase = items.map((_, c) => c).sort((a, b) => nth(items, b).base - nth(items, a).base || a - b);
  const peaksAt = new Map<number, number[]>();
  items.forEach((item, c) => {
    if (item.peak >= item.from && item.peak < item.until)
      peaksAt.set(item.peak, [...(peaksAt.get(item.peak) ?? []), c]);
  });
  const tracked = new Map<number, number>(); // item index → bit
  const offers: { bit: number; item: number; value: number }[][] = [];
  for (let i = 0; i < slotCount; i++) {
    const top: { bit: number; item: number; value: number }[] = [];
    const offer = (c: number, value: number): void => {
      if (!(value > 0)) return;
      if (top.length < k) top.push({ bit: 0, item: c, value });
      else if (value > nth(top, k - 1).value) top[k - 1] = { bit: 0, item: c, value };
      else return;
      top.sort((a, b) => b.value - a.value || a.item - b.item);
    };
    const slot = nth(slots, i);
    if ((dayAllowance[slot.day] ?? 0) > 0) {
      for (const c of peaksAt.get(i) ?? []) offer(c, nth(items, c).peakValue);
      for (const c of byBase) {
        const item = nth(items, c);
        if (top.length >= k && item.base * slot.factor * (1 + firstSlotBonus) < nth(top, k - 1).value) break;
        if (i < item.from || i >= item.until || i === item.peak) continue;
        offer(c, Math.min(item.ceiling, item.base * slot.factor) * (i === item.from ? 1 + firstSlotBonus : 1));
      }
    }
    offers.push(top);
    for (const o of top) if (!tracked.has(o.item)) tracked.set(o.item, -1);
  }
  // Bits for the most valuable tracked items when there are more than the search can hold.
  const ranked = [...tracked.keys()].sort((a, b) => bestValue(offers, b) - bestValue(offers, a) || a - b);
  ranked.slice(0, MAX_TRACKED).forEach((item, bit) => tracked.set(item, bit));
  for (const slotOffers of offers) {
    for (let n = slotOffers.length - 1; n >= 0; n--) {
      const bit = present(tracked.get(nth(slotOffers, n).item), 'the bit of an offered item');
      if (bit < 0) slotOffers.splice(n, 1);
      else nth(slotOffers, n).bit = bit;
    }
  }

  const bits = Math.min(tracked.size, MAX_TRACKED);
  const usedLimit = Math.max(0, ...dayAllowance) + 1;
  // memo: the best value from a state on; choice: the offer sent there (−1: skip).
  const [memo, choice] = stateTables((slotCount + 1) * 2 ** bits * usedLimit);
  const key = (i: number, mask: number, used: number): number => (mask * (slotCount + 1) + i) * usedLimit + used;
  const usedAt = (from: number, to: number, used: number): number =>
    to < slotCount && nth(slots, to).day === nth(slots, from).day ? used : 0;

  // Per capped category: its allowance and the bits of its tracked items.
  const categoryBits = new Map<Category, { allowance: number; bits: number }>();
  for (const [item, bit] of tracked) {
    if (bit < 0) continue;
    const { category } = nth(items, item);
    const allowance = categoryAllowance.get(category);
    if (allowance === undefined) continue;
    const entry = categoryBits.get(category) ?? { allowance, bits: 0 };
    entry.bits |= 1 << bit;
    categoryBits.set(category, entry);
  }
  const categoryOk = (category: Category, mask: number): boolean => {
    const entry = categoryBits.get(category);
    return entry === undefined || popcount(mask & entry.bits) < entry.allowance;
  };

  const best = (i: number, mask: number, used: number, planned: number): number => {
    if (i >= slotCount) return 0;
    const state = key(i, mask, used);
    const known = memo.get(state);
    if (known >= 0) return known;
    let value = best(i + 1, mask, usedAt(i, i + 1, used), planned);
    let chosen = -1;
    const slot = nth(slots, i);
    if (used < (dayAllowance[slot.day] ?? 0) && planned < totalAllowance) {
      const here = nth(offers, i);
      for (let n = 0; n < here.length; n++) {
        const offer = nth(here, n);
        const bit = 1 << offer.bit;
        if ((mask & bit) !== 0 || !categoryOk(nth(items, offer.item).category, mask)) continue;
        const j = nth(next, i);
        const total = offer.value + best(j, mask | bit, usedAt(i, j, used + 1), planned + 1);
        // Ties go to sending (here, earlier) rather than skipping.
        if (total > value - 1e-12 * Math.max(1, value)) {
          if (chosen < 0 || total > value) {
            value = total;
            chosen = n;
          }
        }
      }
    }
    memo.set(state, value);
    choice.set(state, chosen);
    return value;
  };

  best(0, 0, 0, 0);
  const plan: PlannedSend[] = [];
  for (let i = 0, mask = 0, used = 0; i < slotCount;) {
    const n = choice.get(key(i, mask, used));
    if (n < 0) {
      used = usedAt(i, i + 1, used);
      i += 1;
      continue;
    }
    const offer = nth(nth(offers, i), n);
    plan.push({ item: offer.item, slot: i });
    mask |= 1 << offer.bit;
    const j = nth(next, i);
    used = usedAt(i, j, used + 1);
    i = j;
  }
  return plan;
}

function bestValue(offers: readonly { item: number; value: number }[][], item: number): number {
  let best = 0;
  for (const slotOffers of offers) for (const o of slotOffers) if (o.item === item && o.value > best) best = o.value;
  return best;
}

/**
 * An upper bound on the sends the slots can hold: the daily allowances' sum, and the most slots spaced by the
 * cooldown (earliest-first is optimal for that, as in interval scheduling).
 */
function maxSends(slots: readonly PlanSlot[], next: readonly number[], dayAllowance: readonly number[]): number {
  let spaced = 0;
  for (let i = 0; i < slots.length; i = nth(next, i)) spaced++;
  return Math.min(
    spaced,
    dayAllowance.reduce((sum, n) => sum + Math.max(0, n), 0),
  );
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * A memo over search states (−1: not computed), in scratch buffers reused across calls: planDay runs to completion
 * synchronously, so no two calls share them at once, and a fresh allocation per re-plan was a third of its cost.
 * A generation stamp per entry stands in for clearing. Past DENSE_LIMIT states, a hash map.
 */
interface StateTable {
  get(state: number): number;
  set(state: number, value: number): void;
}

const DENSE_LIMIT = 1 << 16;
const scratch = { generation: 0, values: new Float64Array(0), stamps: new Int32Array(0) };

function stateTables(size: number): [StateTable, StateTable] {
  if (size > DENSE_LIMIT) {
    const sparse = (): StateTable => {
      const values = new Map<number, number>();
      return { get: (state) => values.get(state) ?? -1, set: (state, value) => void values.set(state, value) };
    };
    return [sparse(), sparse()];
  }
  if (scratch.values.length < 2 * size) {
    scratch.values = new Float64Array(2 * DENSE_LIMIT);
    scratch.stamps = new Int32Array(2 * DENSE_LIMIT);
    scratch.generation = 0;
  }
  scratch.generation = scratch.generation === 0x7fffffff ? 1 : scratch.generation + 1;
  const { values, stamps, generation } = scratch;
  const dense = (offset: number): StateTable => ({
    get: (state) => (stamps[offset + state] === generation ? nth(values, offset + state) : -1),
    set: (state, value) => {
      stamps[offset + state] = generation;
      values[offset + state] = value;
    },
  });
  return [dense(0), dense(size)];
}
