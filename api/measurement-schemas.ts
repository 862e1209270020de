// Schemas of the measurement routes (reports, conversions, experiments): validation and the OpenAPI document.
import { z } from 'zod';
import { FUNNEL_DIMENSIONS } from '../domain/funnel';
import { SUPPRESSION_REASONS } from '../domain/types';
import { CLIENT_TIME_RULE } from './client-time';
import { conversionValue, eventId, experimentId, timestamp, variantName } from './schemas';

/** The longest report period, in days. */
export const MAX_REPORT_DAYS = 366;
const day = z.iso.date({ message: 'must be a date, YYYY-MM-DD (UTC)' });

export const reportRangeQuery = z.strictObject({
  from: day.optional().describe('First UTC day, inclusive; default: 29 days before `to`.'),
  to: day.optional().describe('Last UTC day, inclusive; default: today (UTC).'),
});

export const funnelQuery = reportRangeQuery.extend({
  by: z.enum(FUNNEL_DIMENSIONS).default('day').describe('The dimension of the rows.'),
});

const rate = z.number().nullable();
const perCurrency = z.record(z.string(), z.number());
export const funnelRow = z.object({
  key: z.string(),
  sent: z.number().int(),
  delivered: z.number().int(),
  opened: z.number().int(),
  engaged: z.number().int(),
  converted: z.number().int(),
  revenue: perCurrency,
  optOuts: z.number().int(),
  uninstalls: z.number().int(),
  suppressed: z.partialRecord(z.enum(SUPPRESSION_REASONS), z.number().int()),
  suppressedTotal: z.number().int(),
  deliveryRate: rate,
  openRate: rate,
  conversionRate: rate,
  optOutRate: rate,
  uninstallRate: rate,
  revenuePerSend: perCurrency,
});
export const funnelResponse = z.object({
  by: z.enum(FUNNEL_DIMENSIONS),
  from: z.string(),
  to: z.string(),
  rows: z.array(funnelRow),
  total: funnelRow,
});

export const conversionInput = z
  .strictObject({
    id: eventId.describe('Your id for this conversion: a repeat answers `duplicate`.'),
    type: z.enum(['engaged', 'converted']).default('converted'),
    at: timestamp.optional().describe(`When it happened; default: now. ${CLIENT_TIME_RULE}`),
    value: conversionValue.optional(),
  })
  .refine((body) => body.value === undefined || body.type === 'converted', {
    path: ['value'],
    message: 'only a `converted` event has a value',
  });
export const conversionResult = z.object({
  userId: z.string(),
  id: z.string(),
  status: z.enum(['recorded', 'duplicate']),
  attributedTo: z
    .string()
    .nullable()
    .describe('The notification it was attributed to (last opened within the window).'),
  signalled: z
    .boolean()
    .describe(
      'Whether the user’s workflow was told at once (the engagement ended a dormancy); else it reads it later.',
    ),
});

export const experimentInput = z.strictObject({
  id: experimentId,
  description: z.string().max(1_000).optional(),
  variants: z
    .array(z.strictObject({ name: variantName, weight: z.number().positive('must be > 0').max(1e6).default(1) }))
    .min(1)
    .max(20)
    .refine((list) => new Set(list.map((v) => v.name)).size === list.length, 'must not repeat a variant'),
});
export const experimentResponse = z.object({
  id: z.string(),
  description: z.string().optional(),
  variants: z.array(z.object({ name: z.string(), weight: z.number() })),
  declaredIn: z.enum(['catalog', 'api', 'policy']),
});
export const experimentsResponse = z.object({ experiments: z.array(experimentResponse) });
export const experimentPath = z.strictObject({ id: experimentId });

const interval = z.tuple([z.number(), z.number()]);
export const experimentResults = z.object({
  experiment: z.string(),
  from: z.string(),
  to: z.string(),
  metric: z.literal('conversion_rate').describe('Users who converted / users in the arm.'),
  control: z.string(),
  warning: z.string().optional().describe('Present when the sample is too small to conclude.'),
  variants: z.array(
    z.object({
      variant: z.string(),
      control: z.boolean(),
      users: z.number().int(),
      converters: z.number().int(),
      rate: z.number(),
      lift: z
        .object({
          difference: z.number(),
          differenceInterval: interval,
          relative: z.number().nullable(),
          relativeInterval: interval.nullable(),
          significant: z.boolean(),
          warning: z.string().optional(),
        })
        .optional(),
    }),
  ),
});
