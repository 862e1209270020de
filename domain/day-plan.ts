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
import { nth } from './present';
import { ScratchArrays, f64, i32, u8 } from './typed-arrays';
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
  if (slots.length === 0 || items.length === 0) return [];

  scratch.arrays.reset();
  const table = slotTable(slots, dayAllowance, cooldownMs);
  const k = Math.min(maxSends(table, dayAllowance), totalAllowance, items.length);
  if (k <= 0) return [];

  const offers = topOffers(table, items, k, firstSlotBonus);
  const search = new Search(table, items, offers, dayAllowance, totalAllowance, categoryAllowance);
  search.budget = input.maxStates ?? Infinity;
  if (!search.run()) return greedyPlan(input);
  const plan: PlannedSend[] = [];
  const { next, sameDayStep, sameDayJump } = table;
  for (let i = 0, mask = 0, used = 0; i < table.count;) {
    const n = search.choiceAt(i, mask, used);
    if (n < 0) {
      if (u8(sameDayStep, i) === 0) used = 0;
      i += 1;
      continue;
    }
    const o = i * offers.k + n;
    plan.push({ item: i32(offers.item, o), slot: i });
    mask |= 1 << i32(offers.bit, o);
    used = u8(sameDayJump, i) === 0 ? 0 : used + 1;
    i = i32(next, i);
  }
  return plan;
}

/** The slots as flat arrays (index = slot), with what the search asks of them precomputed. */
interface SlotTable {
  count: number;
  factor: Float64Array;
  /** Sends still allowed in the slot's local day (`dayAllowance[day] ?? 0`). */
  allowance: Float64Array;
  /** The first slot at least the cooldown after it (count: none). */
  next: Int32Array;
  /** 1 when the next slot is in the same local day (its count of sends planned carries over), else 0. */
  sameDayStep: Uint8Array;
  /** 1 when slot `next[i]` is in the same local day, else 0. */
  sameDayJump: Uint8Array;
}

function slotTable(slots: readonly PlanSlot[], dayAllowance: readonly number[], cooldownMs: DurationMs): SlotTable {
  const count = slots.length;
  const { arrays } = scratch;
  const at = arrays.f64(count);
  const day = arrays.f64(count);
  const factor = arrays.f64(count);
  const allowance = arrays.f64(count);
  let i = 0;
  for (const slot of slots) {
    at[i] = slot.at;
    day[i] = slot.day;
    factor[i] = slot.factor;
    allowance[i] = dayAllowance[slot.day] ?? 0;
    i++;
  }
  const next = arrays.i32(count);
  const sameDayStep = arrays.u8(count);
  const sameDayJump = arrays.u8(count);
  for (let i = 0, j = 0; i < count; i++) {
    if (j <= i) j = i + 1;
    const earliest = f64(at, i) + cooldownMs;
    while (j < count && f64(at, j) < earliest) j++;
    next[i] = j;
    const d = f64(day, i);
    sameDayStep[i] = i + 1 < count && f64(day, i + 1) === d ? 1 : 0;
    sameDayJump[i] = j < count && f64(day, j) === d ? 1 : 0;
  }
  return { count, factor, allowance, next, sameDayStep, sameDayJump };
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

function topOffers(table: SlotTable, items: readonly PlanItem[], k: number, firstSlotBonus: number): Offers {
  const slotCount = table.count;
  const itemCount = items.length;
  // The items' fields as flat arrays, and per slot the items at their own best slot there, in index order.
  const { arrays } = scratch;
  const itemBase = arrays.f64(itemCount);
  const itemFrom = arrays.f64(itemCount);
  const itemUntil = arrays.f64(itemCount);
  const itemPeak = arrays.f64(itemCount);
  const itemCeiling = arrays.f64(itemCount);
  const itemPeakValue = arrays.f64(itemCount);
  const peakNext = arrays.i32(itemCount).fill(-1, 0, itemCount);
  // Only slots 0..slotCount−1 are read: a peak past them (the array is longer) is linked but never offered.
  const peakFirst = arrays.i32(slotCount).fill(-1, 0, slotCount);
  const peakLast = arrays.i32(slotCount).fill(-1, 0, slotCount);
  let c = 0;
  for (const { base, from, until, peak, peakValue, ceiling } of items) {
    itemBase[c] = base;
    itemFrom[c] = from;
    itemUntil[c] = until;
    itemPeak[c] = peak;
    itemCeiling[c] = ceiling;
    itemPeakValue[c] = peakValue;
    if (peak >= from && peak < until && peak < slotCount) {
      const last = i32(peakLast, peak);
      if (last === -1) peakFirst[peak] = c;
      else peakNext[last] = c;
      peakLast[peak] = c;
    }
    c++;
  }
  const byBase = new ByBase(itemBase, itemCount, arrays);
  const count = arrays.i32(slotCount);
  const item = arrays.i32(slotCount * k);
  const value = arrays.f64(slotCount * k);
  let base = 0;
  let length = 0;
  const offer = (c: number, v: number): void => {
    if (!(v > 0)) return;
    if (length < k) length++;
    else if (!(v > f64(value, base + k - 1))) return;
    // Insert in place of the last entry, keeping the list sorted (value descending, then index).
    let n = length - 1;
    for (; n > 0; n--) {
      const before = f64(value, base + n - 1);
      const d = v - before;
      const beforeItem = i32(item, base + n - 1);
      if (d < 0 || (!(d > 0) && beforeItem < c)) break;
      item[base + n] = beforeItem;
      value[base + n] = before;
    }
    item[base + n] = c;
    value[base + n] = v;
  };
  const bonus = 1 + firstSlotBonus;
  for (let i = 0; i < slotCount; i++) {
    base = i * k;
    length = 0;
    if (f64(table.allowance, i) > 0) {
      const factor = f64(table.factor, i);
      for (let c = i32(peakFirst, i); c >= 0; c = i32(peakNext, c)) offer(c, f64(itemPeakValue, c));
      for (let p = 0; p < itemCount; p++) {
        const c = byBase.at(p);
        const b = f64(itemBase, c);
        if (length >= k && b * factor * bonus < f64(value, base + k - 1)) break;
        const from = f64(itemFrom, c);
        if (i < from || i >= f64(itemUntil, c) || i === f64(itemPeak, c)) continue;
        offer(c, Math.min(f64(itemCeiling, c), b * factor) * (i === from ? bonus : 1));
      }
    }
    count[i] = length;
  }

  // Bits for the most valuable items (by their best offer) when there are more than the search can hold.
  const bestValue = arrays.f64(itemCount).fill(0, 0, itemCount);
  const offered: number[] = [];
  for (let i = 0; i < slotCount; i++) {
    for (let n = 0, o = i * k; n < i32(count, i); n++, o++) {
      const c = i32(item, o);
      const v = f64(value, o);
      if (f64(bestValue, c) === 0) offered.push(c);
      if (v > f64(bestValue, c)) bestValue[c] = v;
    }
  }
  offered.sort((a, b) => f64(bestValue, b) - f64(bestValue, a) || a - b);
  const tracked = offered.slice(0, MAX_TRACKED);
  const bitOf = arrays.i32(itemCount).fill(-1, 0, itemCount);
  tracked.forEach((c, b) => (bitOf[c] = b));
  const bit = arrays.i32(slotCount * k);
  for (let i = 0; i < slotCount; i++) {
    let kept = 0;
    for (let n = 0, o = i * k; n < i32(count, i); n++, o++) {
      const c = i32(item, o);
      const b = i32(bitOf, c);
      if (b < 0) continue;
      item[i * k + kept] = c;
      value[i * k + kept] = f64(value, o);
      bit[i * k + kept] = b;
      kept++;
    }
    count[i] = kept;
  }
  return { k, count, item, value, bit, bits: tracked.length, tracked };
}

/**
 * The items in order of base value (descending, then index), sorted lazily with a heap: a slot's scan stops once no
 * further item can make its list, so most items never need their place. (A NaN base, which has no place in that
 * order, falls back to sorting them all as a comparator treating it as a tie does.)
 */
class ByBase {
  private readonly heap: Int32Array;
  private size: number;
  /** The items in order so far: the first `sortedCount`. */
  private readonly sorted: Int32Array;
  private sortedCount = 0;

  /** `bases`: the items' base values (the first n entries). */
  constructor(
    private readonly bases: Float64Array,
    n: number,
    arrays: ScratchArrays,
  ) {
    this.heap = arrays.i32(n);
    this.sorted = arrays.i32(n);
    let nan = false;
    for (let c = 0; c < n; c++) {
      this.heap[c] = c;
      nan ||= Number.isNaN(f64(bases, c));
    }
    if (nan) {
      const order = Array.from({ length: n }, (_, c) => c).sort((a, b) => f64(bases, b) - f64(bases, a) || a - b);
      this.sorted.set(order);
      this.sortedCount = n;
      this.size = 0;
      return;
    }
    this.size = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** The p-th item in the order (p below the item count). */
  at(p: number): number {
    const { heap, sorted } = this;
    while (this.sortedCount <= p) {
      const top = i32(heap, 0);
      this.size--;
      heap[0] = i32(heap, this.size);
      this.down(0);
      sorted[this.sortedCount++] = top;
    }
    return i32(sorted, p);
  }

  private first(a: number, b: number): boolean {
    const { bases } = this;
    const x = f64(bases, a);
    const y = f64(bases, b);
    return x > y || (x === y && a < b);
  }

  private down(from: number): void {
    const { heap, size } = this;
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.first(i32(heap, right), i32(heap, left)) ? right : left;
      const childItem = i32(heap, child);
      const item = i32(heap, i);
      if (!this.first(childItem, item)) return;
      heap[i] = childItem;
      heap[child] = item;
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
    private readonly table: SlotTable,
    items: readonly PlanItem[],
    private readonly offers: Offers,
    dayAllowance: readonly number[],
    private readonly totalAllowance: number,
    categoryAllowance: ReadonlyMap<Category, number>,
  ) {
    this.slotCount = table.count;
    this.usedLimit = Math.max(0, ...dayAllowance) + 1;
    this.memo = new Memo((this.slotCount + 1) * 2 ** offers.bits * this.usedLimit);
    const categories = offers.tracked.map((c) => nth(items, c).category);
    const masks = new Map<Category, number>();
    categories.forEach((category, b) => {
      if (categoryAllowance.has(category)) masks.set(category, (masks.get(category) ?? 0) | (1 << b));
    });
    this.categoryBits = scratch.arrays.i32(offers.bits).fill(0, 0, offers.bits);
    this.categoryLimit = scratch.arrays.f64(offers.bits).fill(Infinity, 0, offers.bits);
    categories.forEach((category, b) => {
      const allowance = categoryAllowance.get(category);
      const mask = masks.get(category);
      if (allowance === undefined || mask === undefined) return;
      this.categoryBits[b] = mask;
      this.categoryLimit[b] = allowance;
    });
  }

  private key(i: number, mask: number, used: number): number {
    return (mask * (this.slotCount + 1) + i) * this.usedLimit + used;
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

  /** The best value from a state on (small, so that the search inlines its memo hits). */
  best(i: number, mask: number, used: number, planned: number): number {
    if (i >= this.slotCount) return 0;
    const state = this.key(i, mask, used);
    const known = this.memo.value(state);
    return known >= 0 ? known : this.solve(i, mask, used, planned, state);
  }

  private solve(i: number, mask: number, used: number, planned: number, state: number): number {
    if (--this.budget < 0) throw OUT_OF_BUDGET;
    const { table } = this;
    let value = this.best(i + 1, mask, u8(table.sameDayStep, i) === 0 ? 0 : used, planned);
    let chosen = -1;
    if (used < f64(table.allowance, i) && planned < this.totalAllowance) {
      const { k, count, value: offerValue, bit: offerBit } = this.offers;
      const j = i32(table.next, i);
      const usedNext = u8(table.sameDayJump, i) === 0 ? 0 : used + 1;
      for (let n = 0, o = i * k, end = i32(count, i); n < end; n++, o++) {
        const b = i32(offerBit, o);
        const bit = 1 << b;
        if ((mask & bit) !== 0) continue;
        // An uncapped category has no bits (its own bit is among a capped one's).
        const sameCategory = i32(this.categoryBits, b);
        if (sameCategory !== 0 && !(popcount(mask & sameCategory) < f64(this.categoryLimit, b))) continue;
        const total = f64(offerValue, o) + this.best(j, mask | bit, usedNext, planned + 1);
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
function maxSends(table: SlotTable, dayAllowance: readonly number[]): number {
  let spaced = 0;
  for (let i = 0; i < table.count; i = i32(table.next, i)) spaced++;
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
  /** The tables of one planDay call (reset at its start). */
  arrays: new ScratchArrays(),
  generation: 0,
  values: new Float64Array(DENSE_LIMIT),
  choices: new Int32Array(DENSE_LIMIT),
  stamps: new Int32Array(DENSE_LIMIT),
};

class Memo {
  private readonly generation: number;
  /** Past DENSE_LIMIT (else null): value and choice per state. */
  private readonly sparse: { values: Map<number, number>; choices: Map<number, number> } | null;

  constructor(size: number) {
    const dense = size <= DENSE_LIMIT;
    if (dense) scratch.generation = scratch.generation === 0x7fffffff ? 1 : scratch.generation + 1;
    this.generation = scratch.generation;
    this.sparse = dense ? null : { values: new Map(), choices: new Map() };
  }

  value(state: number): number {
    if (this.sparse !== null) return this.sparse.values.get(state) ?? -1;
    return i32(scratch.stamps, state) === this.generation ? f64(scratch.values, state) : -1;
  }

  choice(state: number): number {
    if (this.sparse !== null) return this.sparse.choices.get(state) ?? -1;
    return i32(scratch.stamps, state) === this.generation ? i32(scratch.choices, state) : -1;
  }

  set(state: number, value: number, choice: number): void {
    if (this.sparse !== null) {
      this.sparse.values.set(state, value);
      this.sparse.choices.set(state, choice);
      return;
    }
    scratch.stamps[state] = this.generation;
    scratch.values[state] = value;
    scratch.choices[state] = choice;
  }
}
