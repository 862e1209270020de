// Schemas of the journey routes: enrollment and the journeys report (validation and the OpenAPI document).
import { z } from 'zod';
import { emptyQuery, userId } from './schemas';

const journeyName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a journey name (lower_snake_case)')
  .describe('A journey name (GET /v1/journeys lists them).');

export const journeyPath = z.strictObject({ name: journeyName });
export const userJourneyPath = z.strictObject({ id: userId, name: journeyName });
export { emptyQuery };

export const enrollInput = z.strictObject({
  data: z
    .record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
    .refine((d) => Object.keys(d).length <= 50, 'at most 50 properties')
    .optional()
    .describe('What the journey reads as `user().data` (e.g. the cart id); flat values only.'),
});

export const enrollResult = z.object({
  userId: z.string(),
  journey: z.string(),
  status: z.literal('accepted'),
  note: z.string(),
});

export const journeyStatsResponse = z.object({
  journey: z.string(),
  version: z.number().int(),
  description: z.string(),
  enrolled: z.number().int(),
  active: z.number().int(),
  completed: z.number().int(),
  exited: z.record(z.string(), z.number().int()).describe('Runs ended by an exit event (`exit:<type>`) or opt-out.'),
  converted: z.number().int(),
  sends: z.number().int(),
  suppressions: z.record(z.string(), z.number().int()),
});

export const journeysResponse = z.object({ journeys: z.array(journeyStatsResponse) });
