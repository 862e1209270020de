// The synthetic population and its hidden truths: what each user is really like (when they are active, what they
// care about, how fast they tire, how close they are to leaving). The policies never see these; they see only
// events, app opens and receipts, exactly as the product would.
import type { Category, EpochMs } from '../domain/types';
import { localParts } from '../domain/time';
import { normal, pick, poisson, rng, streamSeed } from './rng';
import { addMs, days, durationMs, scaleMs } from '../domain/units';

const DAY = days(1);

export const TIME_ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Paris',
  'Asia/Kolkata',
  'Asia/Tokyo',
] as const;

/** Daily rhythms: local hours of peak activity and their weights. */
export const RHYTHMS = {
  early_bird: [
    [7, 1.2, 1],
    [12.5, 0.6, 1],
    [18.5, 0.5, 1.5],
  ],
  lunch: [
    [8, 0.4, 1],
    [12.5, 1.3, 1],
    [19, 0.5, 2],
  ],
  evening: [
    [8, 0.3, 1],
    [13, 0.4, 1],
    [20.5, 1.4, 1.5],
  ],
  night_owl: [
    [11, 0.4, 1.5],
    [17, 0.4, 1.5],
    [22.5, 1.3, 1.5],
  ],
  commuter: [
    [8, 1.1, 0.8],
    [18, 1.1, 0.8],
  ],
} as const satisfies Record<string, readonly (readonly [number, number, number])[]>;
export type Rhythm = keyof typeof RHYTHMS;

export const SIM_CATEGORIES = ['social', 'content', 'reminder', 'marketing', 'account'] as const;
/** Candidates per user-day by category (Poisson means), and their business values. */
const ARRIVALS: Record<(typeof SIM_CATEGORIES)[number], { perDay: number; value: [number, number] }> = {
  social: { perDay: 1.3, value: [0.3, 0.6] },
  content: { perDay: 1.1, value: [0.2, 0.6] },
  reminder: { perDay: 0.4, value: [0.5, 0.8] },
  marketing: { perDay: 0.4, value: [0.3, 0.9] },
  account: { perDay: 0.1, value: [0.7, 1] },
};
/** The templates the simulation uses (the trained model's feature space). */
export const SIM_TEMPLATES: readonly string[] = SIM_CATEGORIES.flatMap((c) => [`${c}_a`, `${c}_b`]);

/** Two templates per category; the second is hiddenly less appealing (a signal a model can learn). */
export const TEMPLATE_APPEAL = [1.15, 0.75] as const;

export interface SimUser {
  index: number;
  id: string;
  timeZone: string;
  rhythm: Rhythm;
  /** Hours the rhythm shifts later on weekends. */
  weekendShift: number;
  /** Base open probability at an average active hour. */
  responsiveness: number;
  taste: Record<Category, number>;
  /** Open probability multiplier per send in the previous 24 h. */
  fatiguePerSend: number;
  /** Churn per unwanted (unopened) send. */
  uninstallHazard: number;
  optOutHazard: number;
  appOpensPerDay: number;
}

export interface SimCandidateSpec {
  id: string;
  category: (typeof SIM_CATEGORIES)[number];
  template: string;
  templateAppeal: number;
  createdAt: EpochMs;
  businessValue: number;
  /** Common random numbers: the same candidate meets the same coin flips under every policy. */
  openDraw: number;
  convertDraw: number;
  delayDraw: number;
}

export interface UserStreams {
  candidates: SimCandidateSpec[];
  appOpens: EpochMs[];
}

function bump(h: number, peak: number, width: number): number {
  // Circular distance in hours, so a 23:00 peak also lifts 00:30.
  const d = Math.min(Math.abs(h - peak), 24 - Math.abs(h - peak));
  return Math.exp(-(d * d) / (2 * width * width));
}

/** The user's true activity at an instant: 1 = their average hour; near 0 asleep. */
export function activity(user: SimUser, at: EpochMs): number {
  const { hour, minute, weekday } = localParts(at, user.timeZone);
  return activityAt(user, hour + minute / 60, weekday >= 5);
}

const activityNorm = new Map<string, number>();

function activityAt(user: SimUser, localHour: number, weekend: boolean): number {
  const key = `${user.rhythm}|${user.weekendShift}|${weekend}`;
  let norm = activityNorm.get(key);
  if (norm === undefined) {
    let sum = 0;
    for (let h = 0; h < 24; h += 0.25) sum += rawActivity(user, h, weekend);
    norm = sum / 96;
    activityNorm.set(key, norm);
  }
  return rawActivity(user, localHour, weekend) / norm;
}

function rawActivity(user: SimUser, h: number, weekend: boolean): number {
  const shift = weekend ? user.weekendShift : 0;
  let a = 0.02;
  for (const [peak, weight, width] of RHYTHMS[user.rhythm])
    a += weight * bump(h, peak + shift, width * (weekend ? 1.3 : 1));
  return a;
}

export function makeUser(seed: number, index: number): SimUser {
  const r = rng(streamSeed(seed, index, 1));
  const taste = {} as Record<Category, number>;
  for (const c of ['security', 'account', 'social', 'content', 'reminder', 'marketing'] as const) {
    taste[c] = Math.exp(0.45 * normal(r));
  }
  taste['marketing'] = (taste['marketing'] ?? 1) * 0.6;
  taste['account'] = (taste['account'] ?? 1) * 1.5;
  return {
    index,
    id: `sim-${seed}-${index}`,
    timeZone: pick(r, TIME_ZONES),
    rhythm: pick(r, Object.keys(RHYTHMS) as Rhythm[]),
    weekendShift: 0.5 + 2 * r(),
    responsiveness: 0.05 + 0.3 * r() ** 1.5,
    taste,
    fatiguePerSend: 0.7 + 0.25 * r(),
    uninstallHazard: 0.0005 + 0.002 * r(),
    optOutHazard: 0.001 + 0.003 * r(),
    appOpensPerDay: 0.3 + 2 * r(),
  };
}

/** Candidates and app opens over [start, start + days), drawn from the user's truths. */
export function userStreams(seed: number, user: SimUser, start: EpochMs, days: number): UserStreams {
  const r = rng(streamSeed(seed, user.index, 2));
  const candidates: SimCandidateSpec[] = [];
  const appOpens: EpochMs[] = [];
  let n = 0;
  for (let day = 0; day < days; day++) {
    const dayStart = addMs(start, scaleMs(DAY, day));
    for (const category of SIM_CATEGORIES) {
      const { perDay, value } = ARRIVALS[category];
      for (let k = poisson(r, perDay); k > 0; k--) {
        const variant = r() < 0.5 ? 0 : 1;
        candidates.push({
          id: `${user.id}-c${n++}`,
          category,
          template: `${category}_${variant === 0 ? 'a' : 'b'}`,
          templateAppeal: TEMPLATE_APPEAL[variant],
          createdAt: addMs(dayStart, durationMs(Math.floor(r() * DAY))),
          businessValue: value[0] + (value[1] - value[0]) * r(),
          openDraw: r(),
          convertDraw: r(),
          delayDraw: r(),
        });
      }
    }
    // App opens follow the rhythm: rejection sampling against the activity curve.
    for (let k = poisson(r, user.appOpensPerDay); k > 0; k--) {
      for (let tries = 0; tries < 50; tries++) {
        const at = addMs(dayStart, durationMs(Math.floor(r() * DAY)));
        if (r() * 3 < activity(user, at)) {
          appOpens.push(at);
          break;
        }
      }
    }
  }
  candidates.sort((a, b) => a.createdAt - b.createdAt);
  appOpens.sort((a, b) => a - b);
  return { candidates, appOpens };
}

/** The hidden chance that this user opens this notification if it arrives at `at`, given their recent sends. */
export function openProbability(
  user: SimUser,
  spec: SimCandidateSpec,
  at: EpochMs,
  sendsLastDay: number,
  sendsLastWeek: number,
): number {
  const act = activity(user, at);
  const fatigue = user.fatiguePerSend ** sendsLastDay * 0.98 ** Math.max(0, sendsLastWeek - 7);
  const p = user.responsiveness * (user.taste[spec.category] ?? 1) * spec.templateAppeal * act ** 0.9 * fatigue;
  return Math.min(0.95, p);
}

/** Asleep or nearly: an unwanted notification then costs more. */
export function isNightFor(user: SimUser, at: EpochMs): boolean {
  return activity(user, at) < 0.35;
}
