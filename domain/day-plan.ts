// The day plan (docs/product.md §4 step 3): which budgeted candidates go in which of the next hours' slots, given the
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
import type { Category, DurationMs, EpochMs } from './types';

export interface PlanSlot {
  at: EpochMs;
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
  /**
   * The most search states to visit (absent: no limit, for histories planned before there was one). Past it, the
   * plan is greedy instead (see greedyPlan), so a large daily allowance with a short cooldown cannot make one re-plan
   * take seconds (or overflow a Map): the states grow with the subsets of tracked candidates the horizon's sends fit.
   */
  maxStates?: number;
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

  const next = new Int32Array(slotCount);
  for (let i = 0, j = 0; i < slotCount; i++) {
    if (j <= i) j = i + 1;
    while (j < slotCount && slots[j]!.at < slots[i]!.at + cooldownMs) j++;
    next[i] = j;
  }
  const sendsFitting = maxSends(slots, next, dayAllowance);
  const k = Math.min(sendsFitting, totalAllowance, items.length);
  if (k <= 0) return [];

  const offers = topOffers(slots, items, dayAllowance, k, firstSlotBonus);
  const search = new Search(slots, items, next, offers, dayAllowance, totalAllowance, categoryAllowance);
  search.budget = input.maxStates ?? Infinity;
  if (!search.run()) return greedyPlan(input);
  const plan: PlannedSend[] = [];
  for (let i = 0, mask = 0, used = 0; i < slotCount;) {
    const n = search.choiceAt(i, mask, used);
    if (n < 0) {
      used = search.usedAt(i, i + 1, used);
      i += 1;
      continue;
    }
    const o = i * offers.k + n;
    plan.push({ item: offers.item[o]!, slot: i });
    mask |= 1 << offers.bit[o]!;
    const j = next[i]!;
    used = search.usedAt(i, j, used + 1);
    i = j;
  }
  return plan;
}

/**
 * Per slot, the top-k feasible items by value, most valuable first (ties: lower index first), in flat arrays:
 * slot i's n-th offer is at i·k + n. Items are offered in this order: those at their own best slot here, then
 * the others by base value, and a full list takes a newcomer only when it is worth strictly more than its last
 * entry. Scanning by base value, a slot's list is complete once the next item could not beat its k-th entry even
 * with the first-slot bonus. Then only the tracked items stay (bits for the MAX_TRACKED most valuable).
 */
interface Offers {
  k: number;
  count: Int32Array;
  item: Int32Array;
  value: Float64Array;
  bit: Int32Array;
  /** How many distinct items the offers name (each has a bit below this). */
  bits: number;
  /** The item of each bit. */
  tracked: number[];
}

function topOffers(
  slots: readonly PlanSlot[],
  items: readonly PlanItem[],
  dayAllowance: readonly number[],
  k: number,
  firstSlotBonus: number,
): Offers {
  const slotCount = slots.length;
  const byBase = new ByBase(items);
  // Items at their own best slot, per slot, in index order.
  const peakNext = new Int32Array(items.length).fill(-1);
  const peakFirst = new Int32Array(slotCount).fill(-1);
  const peakLast = new Int32Array(slotCount).fill(-1);
  for (let c = 0; c < items.length; c++) {
    const { peak, from, until } = items[c]!;
    if (!(peak >= from && peak < until)) continue;
    if (peakFirst[peak] === -1) peakFirst[peak] = c;
    else peakNext[peakLast[peak]!] = c;
    peakLast[peak] = c;
  }
  const count = new Int32Array(slotCount);
  const item = new Int32Array(slotCount * k);
  const value = new Float64Array(slotCount * k);
  let base = 0;
  let length = 0;
  const offer = (c: number, v: number): void => {
    if (!(v > 0)) return;
    if (length < k) length++;
    else if (!(v > value[base + k - 1]!)) return;
    // Insert in place of the last entry, keeping the list sorted (value descending, then index).
    let n = length - 1;
    for (; n > 0; n--) {
      const d = v - value[base + n - 1]!;
      if (d < 0 || (!(d > 0) && item[base + n - 1]! < c)) break;
      item[base + n] = item[base + n - 1]!;
      value[base + n] = value[base + n - 1]!;
    }
    item[base + n] = c;
    value[base + n] = v;
  };
  const bonus = 1 + firstSlotBonus;
  for (let i = 0; i < slotCount; i++) {
    base = i * k;
    length = 0;
    const slot = slots[i]!;
    if ((dayAllowance[slot.day] ?? 0) > 0) {
      for (let c = peakFirst[i]!; c >= 0; c = peakNext[c]!) offer(c, items[c]!.peakValue);
      for (let p = 0; p < items.length; p++) {
        const c = byBase.at(p);
        const it = items[c]!;
        if (length >= k && it.base * slot.factor * bonus < value[base + k - 1]!) break;
        if (i < it.from || i >= it.until || i === it.peak) continue;
        offer(c, Math.min(it.ceiling, it.base * slot.factor) * (i === it.from ? bonus : 1));
      }
    }
    count[i] = length;
  }

  // Bits for the most valuable items (by their best offer) when there are more than the search can hold.
  const bestValue = new Float64Array(items.length);
  const offered: number[] = [];
  for (let i = 0; i < slotCount; i++) {
    for (let n = 0; n < count[i]!; n++) {
      const o = i * k + n;
      const c = item[o]!;
      if (bestValue[c] === 0) offered.push(c);
      if (value[o]! > bestValue[c]!) bestValue[c] = value[o]!;
    }
  }
  offered.sort((a, b) => bestValue[b]! - bestValue[a]! || a - b);
  const bitOf = new Int32Array(items.length).fill(-1);
  const bits = Math.min(offered.length, MAX_TRACKED);
  for (let b = 0; b < bits; b++) bitOf[offered[b]!] = b;
  const bit = new Int32Array(slotCount * k);
  for (let i = 0; i < slotCount; i++) {
    let kept = 0;
    for (let n = 0; n < count[i]!; n++) {
      const o = i * k + n;
      const b = bitOf[item[o]!]!;
      if (b < 0) continue;
      item[i * k + kept] = item[o]!;
      value[i * k + kept] = value[o]!;
      bit[i * k + kept] = b;
      kept++;
    }
    count[i] = kept;
  }
  return { k, count, item, value, bit, bits, tracked: offered.slice(0, bits) };
}

/**
 * The items in order of base value (descending, then index), sorted lazily with a heap: a slot's scan stops once no
 * further item can make its list, so most items never need their place. (A NaN base, which has no place in that
 * order, falls back to sorting them all as a comparator treating it as a tie does.)
 */
class ByBase {
  private readonly bases: Float64Array;
  private readonly heap: Int32Array;
  private size: number;
  private readonly sorted: number[] = [];

  constructor(items: readonly PlanItem[]) {
    const n = items.length;
    this.bases = new Float64Array(n);
    this.heap = new Int32Array(n);
    let nan = false;
    for (let c = 0; c < n; c++) {
      this.bases[c] = items[c]!.base;
      this.heap[c] = c;
      nan ||= Number.isNaN(items[c]!.base);
    }
    if (nan) {
      const bases = this.bases;
      this.sorted = items.map((_, c) => c).sort((a, b) => bases[b]! - bases[a]! || a - b);
      this.size = 0;
      return;
    }
    this.size = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** The p-th item in the order. */
  at(p: number): number {
    while (this.sorted.length <= p) {
      const top = this.heap[0]!;
      this.size--;
      this.heap[0] = this.heap[this.size]!;
      this.down(0);
      this.sorted.push(top);
    }
    return this.sorted[p]!;
  }

  private first(a: number, b: number): boolean {
    const { bases } = this;
    return bases[a]! > bases[b]! || (bases[a] === bases[b] && a < b);
  }

  private down(from: number): void {
    const { heap, size } = this;
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.first(heap[right]!, heap[left]!) ? right : left;
      if (!this.first(heap[child]!, heap[i]!)) return;
      const t = heap[i]!;
      heap[i] = heap[child]!;
      heap[child] = t;
      i = child;
    }
  }
}

/**
 * The memoized search over (slot, items used, sends already planned in the slot's local day): the best value from a
 * state on, and the offer sent there (−1: skip). Sends planned so far are the items used (each send uses one).
 */
class Search {
  /** States still allowed before the search gives up (see DayPlanInput.maxStates). */
  budget = Infinity;
  private readonly slotCount: number;
  private readonly usedLimit: number;
  private readonly memo: Memo;
  /** Per tracked item (by bit): the bits of the tracked items of its category when that category is capped … */
  private readonly categoryBits: Int32Array;
  /** … (else 0), and that category's allowance (Infinity when uncapped). */
  private readonly categoryLimit: Float64Array;

  constructor(
    private readonly slots: readonly PlanSlot[],
    items: readonly PlanItem[],
    private readonly next: Int32Array,
    private readonly offers: Offers,
    private readonly dayAllowance: readonly number[],
    private readonly totalAllowance: number,
    categoryAllowance: ReadonlyMap<Category, number>,
  ) {
    this.slotCount = slots.length;
    this.usedLimit = Math.max(0, ...dayAllowance) + 1;
    this.memo = new Memo((this.slotCount + 1) * 2 ** offers.bits * this.usedLimit);
    const masks = new Map<Category, number>();
    for (let b = 0; b < offers.bits; b++) {
      const { category } = items[offers.tracked[b]!]!;
      if (categoryAllowance.has(category)) masks.set(category, (masks.get(category) ?? 0) | (1 << b));
    }
    this.categoryBits = new Int32Array(offers.bits);
    this.categoryLimit = new Float64Array(offers.bits).fill(Infinity);
    for (let b = 0; b < offers.bits; b++) {
      const { category } = items[offers.tracked[b]!]!;
      const allowance = categoryAllowance.get(category);
      if (allowance === undefined) continue;
      this.categoryBits[b] = masks.get(category)!;
      this.categoryLimit[b] = allowance;
    }
  }

  private key(i: number, mask: number, used: number): number {
    return (mask * (this.slotCount + 1) + i) * this.usedLimit + used;
  }

  usedAt(from: number, to: number, used: number): number {
    return to < this.slotCount && this.slots[to]!.day === this.slots[from]!.day ? used : 0;
  }

  /** Searches from the start; false when it ran out of budget (its memo is then incomplete). */
  run(): boolean {
    try {
      this.best(0, 0, 0, 0);
      return true;
    } catch (error) {
      if (error === OUT_OF_BUDGET) return false;
      throw error;
    }
  }

  choiceAt(i: number, mask: number, used: number): number {
    return this.memo.choice(this.key(i, mask, used));
  }

  best(i: number, mask: number, used: number, planned: number): number {
    if (i >= this.slotCount) return 0;
    const state = this.key(i, mask, used);
    const known = this.memo.value(state);
    if (known >= 0) return known;
    if (--this.budget < 0) throw OUT_OF_BUDGET;
    let value = this.best(i + 1, mask, this.usedAt(i, i + 1, used), planned);
    let chosen = -1;
    if (used < (this.dayAllowance[this.slots[i]!.day] ?? 0) && planned < this.totalAllowance) {
      const { k, count, value: offerValue, bit: offerBit } = this.offers;
      const j = this.next[i]!;
      const usedNext = this.usedAt(i, j, used + 1);
      for (let n = 0, o = i * k; n < count[i]!; n++, o++) {
        const b = offerBit[o]!;
        const bit = 1 << b;
        if ((mask & bit) !== 0 || !(popcount(mask & this.categoryBits[b]!) < this.categoryLimit[b]!)) continue;
        const total = offerValue[o]! + this.best(j, mask | bit, usedNext, planned + 1);
        // Ties go to sending (here, earlier) rather than skipping.
        if (total > value - 1e-12 * Math.max(1, value)) {
          if (chosen < 0 || total > value) {
            value = total;
            chosen = n;
          }
        }
      }
    }
    this.memo.set(state, value, chosen);
    return value;
  }
}

/**
 * An upper bound on the sends the slots can hold: the daily allowances' sum, and the most slots spaced by the
 * cooldown (earliest-first is optimal for that, as in interval scheduling).
 */
function maxSends(slots: readonly PlanSlot[], next: Int32Array, dayAllowance: readonly number[]): number {
  let spaced = 0;
  for (let i = 0; i < slots.length; i = next[i]!) spaced++;
  return Math.min(
    spaced,
    dayAllowance.reduce((sum, n) => sum + Math.max(0, n), 0),
  );
}

const OUT_OF_BUDGET = new Error('day plan search out of budget');

/**
 * The plan when the exact search is out of budget: the most valuable (candidate, slot) pairs first, each taken when
 * it still fits (its candidate unused, its day's, the horizon's and its category's allowances, the cooldown to every
 * send taken). Not optimal, but feasible, as full as the allowances let it be, and cheap: one sort of the pairs.
 */
function greedyPlan(input: DayPlanInput): PlannedSend[] {
  const { slots, items, dayAllowance, totalAllowance, categoryAllowance, cooldownMs, firstSlotBonus } = input;
  const pairs: { item: number; slot: number; value: number }[] = [];
  for (let c = 0; c < items.length; c++) {
    const it = items[c];
    if (it === undefined) continue;
    for (let i = Math.max(0, it.from); i < Math.min(it.until, slots.length); i++) {
      const slot = slots[i];
      if (slot === undefined || !((dayAllowance[slot.day] ?? 0) > 0)) continue;
      const value =
        i === it.peak
          ? it.peakValue
          : Math.min(it.ceiling, it.base * slot.factor) * (i === it.from ? 1 + firstSlotBonus : 1);
      if (value > 0) pairs.push({ item: c, slot: i, value });
    }
  }
  pairs.sort((a, b) => b.value - a.value || a.slot - b.slot || a.item - b.item);
  const usedItems = new Set<number>();
  const taken: number[] = [];
  const perDay = new Map<number, number>();
  const perCategory = new Map<Category, number>();
  const plan: PlannedSend[] = [];
  for (const pair of pairs) {
    if (plan.length >= totalAllowance) break;
    const slot = slots[pair.slot];
    const it = items[pair.item];
    if (slot === undefined || it === undefined || usedItems.has(pair.item)) continue;
    if ((perDay.get(slot.day) ?? 0) >= (dayAllowance[slot.day] ?? 0)) continue;
    if ((perCategory.get(it.category) ?? 0) >= (categoryAllowance.get(it.category) ?? Infinity)) continue;
    if (taken.some((at) => at === slot.at || Math.abs(at - slot.at) < cooldownMs)) continue;
    usedItems.add(pair.item);
    taken.push(slot.at);
    perDay.set(slot.day, (perDay.get(slot.day) ?? 0) + 1);
    perCategory.set(it.category, (perCategory.get(it.category) ?? 0) + 1);
    plan.push({ item: pair.item, slot: pair.slot });
  }
  return plan.sort((a, b) => a.slot - b.slot);
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * The search's memo: per state, its best value (−1: not computed) and choice. Small searches use scratch buffers
 * reused across calls: planDay runs to completion synchronously, so no two calls share them at once, and a fresh
 * allocation per re-plan was a third of its cost. A generation stamp per entry stands in for clearing. Past
 * DENSE_LIMIT states, hash maps.
 */
const DENSE_LIMIT = 1 << 16;
const scratch = {
  generation: 0,
  values: new Float64Array(DENSE_LIMIT),
  choices: new Int32Array(DENSE_LIMIT),
  stamps: new Int32Array(DENSE_LIMIT),
};

class Memo {
  private readonly dense: boolean;
  private readonly generation: number;
  private readonly values = new Map<number, number>();
  private readonly choices = new Map<number, number>();

  constructor(size: number) {
    this.dense = size <= DENSE_LIMIT;
    if (this.dense) scratch.generation = scratch.generation === 0x7fffffff ? 1 : scratch.generation + 1;
    this.generation = scratch.generation;
  }

  value(state: number): number {
    if (!this.dense) return this.values.get(state) ?? -1;
    return scratch.stamps[state] === this.generation ? scratch.values[state]! : -1;
  }

  choice(state: number): number {
    if (!this.dense) return this.choices.get(state) ?? -1;
    return scratch.stamps[state] === this.generation ? scratch.choices[state]! : -1;
  }

  set(state: number, value: number, choice: number): void {
    if (!this.dense) {
      this.values.set(state, value);
      this.choices.set(state, choice);
      return;
    }
    scratch.stamps[state] = this.generation;
    scratch.values[state] = value;
    scratch.choices[state] = choice;
  }
}
