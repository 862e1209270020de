// Segments (docs/campaigns.md): POST /v1/segments saves a named filter, GET lists them, POST /v1/segments:preview
// counts a filter's (or a saved segment's) members and shows a sample of ids. A bad filter is a 400 naming its part.
import { z } from 'zod';
import { validateSegment, type Segment } from '../../domain/segment';
import { JOURNEYS } from '../../journeys/registry';
import { operation, type Operation } from '../operation';
import { validationProblem } from '../problem';
import type { ApiServices } from '../services';

export const SEGMENT_NAME = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,63}$/,
    'lowercase letters, digits, _ and -, at most 64, starting with a letter or digit',
  );
/** The filter language is checked by domain/segment.ts, which names the bad part; here it is any JSON object. */
const filterJson = z.record(z.string(), z.unknown()).describe('A segment filter (docs/campaigns.md)');

const saveBody = z.strictObject({ name: SEGMENT_NAME, filter: filterJson });
const previewBody = z
  .strictObject({
    filter: filterJson.optional(),
    segment: SEGMENT_NAME.optional(),
    sample: z.number().int().min(0).max(100).default(20),
  })
  .refine((b) => (b.filter === undefined) !== (b.segment === undefined), {
    message: 'give `filter` or `segment`, one of them',
  });
const segmentResponse = z.object({
  name: z.string(),
  filter: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const previewResponse = z.object({ count: z.number().int(), sample: z.array(z.string()), tookMs: z.number() });

/** The validated filter, or a 400 naming every bad part (`filter.and[1].op`). */
export function segmentOr400(filter: unknown, at: string): Segment {
  const result = validateSegment(filter, at, { journeys: Object.keys(JOURNEYS) });
  if (result.ok) return result.segment;
  throw validationProblem(result.problems.map((p) => ({ in: 'body', field: p.path, message: p.message })));
}

/** A saved segment's filter, or a 400 naming the unknown name. */
export async function savedSegmentOr400(services: ApiServices, name: string, at: string): Promise<Segment> {
  const saved = await services.repos.segments.get(name);
  if (saved === null) throw validationProblem([{ in: 'body', field: at, message: `no segment named "${name}"` }]);
  return saved.filter;
}

export function segmentOperations(services: ApiServices): Operation[] {
  return [
    operation({
      operationId: 'saveSegment',
      method: 'post',
      path: '/v1/segments',
      tag: 'campaigns',
      summary: 'Save a named segment (a filter over user attributes and computed fields)',
      scope: 'admin',
      body: saveBody,
      responses: {
        200: { description: 'Replaced.', schema: segmentResponse },
        201: { description: 'Created.', schema: segmentResponse },
      },
      async handle({ body, now }) {
        const filter = segmentOr400(body.filter, 'filter');
        const { segment, created } = await services.repos.segments.save(body.name, filter, now);
        return {
          status: created ? 201 : 200,
          body: {
            name: segment.name,
            filter: segment.filter,
            createdAt: new Date(segment.createdAt).toISOString(),
            updatedAt: new Date(segment.updatedAt).toISOString(),
          },
        };
      },
    }),
    operation({
      operationId: 'listSegments',
      method: 'get',
      path: '/v1/segments',
      tag: 'campaigns',
      summary: 'The saved segments',
      scope: 'admin',
      responses: {
        200: { description: 'Every saved segment.', schema: z.object({ segments: z.array(segmentResponse) }) },
      },
      async handle() {
        const segments = await services.repos.segments.list();
        return {
          status: 200,
          body: {
            segments: segments.map((s) => ({
              name: s.name,
              filter: s.filter,
              createdAt: new Date(s.createdAt).toISOString(),
              updatedAt: new Date(s.updatedAt).toISOString(),
            })),
          },
        };
      },
    }),
    operation({
      operationId: 'previewSegment',
      method: 'post',
      path: '/v1/segments:preview',
      tag: 'campaigns',
      summary: 'Count a segment’s members and show a sample of their ids',
      scope: 'admin',
      body: previewBody,
      responses: { 200: { description: 'The count and the first ids in id order.', schema: previewResponse } },
      async handle({ body, now }) {
        const segment =
          body.filter !== undefined
            ? segmentOr400(body.filter, 'filter')
            : await savedSegmentOr400(services, body.segment ?? '', 'segment');
        const started = performance.now();
        const [count, sample] = await Promise.all([
          services.repos.segments.count(segment, now),
          body.sample === 0 ? [] : services.repos.segments.page(segment, now, { limit: body.sample }),
        ]);
        return {
          status: 200,
          body: { count, sample: sample.map((m) => m.id), tookMs: Math.round(performance.now() - started) },
        };
      },
    }),
  ];
}
