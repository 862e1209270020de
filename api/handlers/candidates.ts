// POST /v1/users/{id}/candidates (and :batch): a service proposes ready candidates. Each is validated against the
// catalog (unknown category or template, missing required variable, unknown experiment or variant → 400 naming it),
// idempotent on its id (one already in the decision log answers `duplicate`; the workflow ignores a repeat it still
// remembers), and goes through the same budget as every other candidate. One signal per request, whatever the count.
import type { z } from 'zod';
import { experimentDefinition, type ExperimentEntry } from '../../domain/catalog';
import { assignVariant } from '../../domain/experiments';
import type { Candidate, EpochMs } from '../../domain/types';
import { operation, type Operation } from '../operation';
import { validationProblem, type FieldError } from '../problem';
import { candidateInput, candidatesBatchInput, candidatesResult, MAX_BATCH_CANDIDATES, userPath } from '../schemas';
import { assertRoomForWork } from '../ingest';
import type { ApiCatalog, ApiServices } from '../services';
import { nth } from '../../domain/present';
import { durationMs, probability, addMs } from '../../domain/units';

type CandidateInput = z.output<typeof candidateInput>;

/** Everything wrong with the input under the catalog, each naming its field (`candidates[2].variables.offer`). */
export function catalogProblems({ catalog, ruleSet }: ApiCatalog, input: CandidateInput, at: string): FieldError[] {
  const problems: FieldError[] = [];
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  const problem = (name: string, message: string) => problems.push({ in: 'body', field: field(name), message });
  if (!Object.hasOwn(ruleSet.policy.categories, input.category)) {
    problem('category', `unknown category "${input.category}" (GET /v1/catalog lists them)`);
  }
  const template = Object.hasOwn(catalog.templates, input.template) ? catalog.templates[input.template] : undefined;
  if (template === undefined) {
    problem('template', `unknown template "${input.template}" (GET /v1/catalog lists them)`);
  } else {
    for (const [name, declared] of Object.entries(template.variables)) {
      const value = input.variables?.[name];
      if (declared.required && (value === undefined || value === null)) {
        problem(`variables.${name}`, `template "${input.template}" requires variable "${name}"`);
      }
    }
    for (const name of Object.keys(input.variables ?? {})) {
      if (!Object.hasOwn(template.variables, name)) {
        problem(`variables.${name}`, `template "${input.template}" declares no variable "${name}"`);
      }
    }
  }
  if (input.ttl !== undefined && input.expiresAt !== undefined) problem('ttl', 'give `ttl` or `expiresAt`, not both');
  if (input.variant !== undefined && input.experiment === undefined) problem('variant', 'needs `experiment`');
  if (input.experiment !== undefined) {
    const experiment = catalog.experiments.find((e) => e.id === input.experiment);
    if (experiment === undefined) problem('experiment', `unknown experiment "${input.experiment}"`);
    else if (input.variant !== undefined && !experiment.variants.includes(input.variant)) {
      problem('variant', `experiment "${input.experiment}" has no variant "${input.variant}"`);
    }
  }
  return problems;
}

/** The candidate the workflow receives, or the problems with its times. */
function toCandidate(
  services: ApiServices,
  userId: string,
  input: CandidateInput,
  now: EpochMs,
  at: string,
): Candidate | FieldError[] {
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  const ttlMs = input.ttl ?? services.catalog.ruleSet.policy.categories[input.category]?.ttlMs ?? durationMs(0);
  const expiresAt = input.expiresAt ?? addMs(now, ttlMs);
  if (expiresAt <= now) return [{ in: 'body', field: field('expiresAt'), message: 'must be in the future' }];
  if (input.notBefore !== undefined && input.notBefore >= expiresAt) {
    return [{ in: 'body', field: field('notBefore'), message: 'must be before the candidate expires' }];
  }
  return {
    id: input.id,
    userId,
    category: input.category,
    template: input.template,
    variables: input.variables ?? {},
    ...(input.deepLink === undefined ? {} : { deepLink: input.deepLink }),
    createdAt: now,
    expiresAt,
    ...(input.notBefore === undefined ? {} : { notBefore: input.notBefore }),
    ...(input.dedupeKey === undefined ? {} : { dedupeKey: input.dedupeKey }),
    businessValue: probability(input.businessValue),
    source: 'api',
    sourceId: input.sourceId ?? input.id,
    ...(input.experiment === undefined ? {} : { experiment: input.experiment }),
    ...(input.variant === undefined ? {} : { variant: input.variant }),
  };
}

/**
 * A candidate naming an experiment but no variant gets the user's variant (docs/measurement.md), and that variant's
 * template when the experiment gives one.
 */
function withVariant(candidate: Candidate, experiments: readonly ExperimentEntry[]): Candidate {
  if (candidate.experiment === undefined || candidate.variant !== undefined) return candidate;
  const entry = experiments.find((e) => e.id === candidate.experiment);
  if (entry === undefined) return candidate;
  const variant = assignVariant(candidate.userId, experimentDefinition(entry));
  return { ...candidate, variant, template: entry.templates?.[variant] ?? candidate.template };
}

export function candidateOperations(services: ApiServices): Operation[] {
  const propose = async (userId: string, inputs: CandidateInput[], now: EpochMs, batch: boolean) => {
    const problems: FieldError[] = [];
    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    // Experiments created through the API (POST /v1/experiments) beside the catalog's, read only when named.
    const declared = services.catalog.catalog.experiments;
    const stored = inputs.some((i) => i.experiment !== undefined && !declared.some((e) => e.id === i.experiment))
      ? (await services.repos.measurement.listExperiments()).map((e): ExperimentEntry => ({
          id: e.id,
          variants: e.variants.map((v) => v.name),
          weights: Object.fromEntries(e.variants.map((v) => [v.name, v.weight])),
        }))
      : [];
    const experiments = [...declared, ...stored];
    const catalog = { ...services.catalog, catalog: { ...services.catalog.catalog, experiments } };
    inputs.forEach((input, index) => {
      const at = batch ? `candidates[${index}]` : '';
      if (seen.has(input.id)) {
        problems.push({ in: 'body', field: at === '' ? 'id' : `${at}.id`, message: 'repeated in this request' });
      }
      seen.add(input.id);
      problems.push(...catalogProblems(catalog, input, at));
      const candidate = toCandidate(services, userId, input, now, at);
      if (Array.isArray(candidate)) problems.push(...candidate);
      else candidates.push(withVariant(candidate, experiments));
    });
    if (problems.length > 0) throw validationProblem(problems);
    const decided = await services.repos.decisions.recordedAmong(
      userId,
      candidates.map((c) => c.id),
    );
    const fresh = candidates.filter((c) => !decided.has(c.id));
    if (fresh.length > 0) {
      // Durable first: queued for the dispatcher in one statement (docs/ingestion.md); the workflow ignores an id it
      // already holds, so a client's retry before the outcome is recorded changes nothing.
      await assertRoomForWork(services.ingest, services.retryAfterSeconds);
      const { ruleSet } = services.catalog;
      const proposal = { candidates: fresh, configVersion: { id: ruleSet.id, since: ruleSet.since } };
      await services.repos.ingest.enqueue(
        [{ userId, kind: 'candidates', itemId: nth(fresh, 0).id, payload: proposal }],
        now,
      );
      services.ingest.accepted();
    }
    return {
      status: 202,
      body: {
        userId,
        candidates: candidates.map((c) => ({ id: c.id, status: decided.has(c.id) ? 'duplicate' : 'accepted' })),
      } satisfies z.output<typeof candidatesResult>,
    };
  };
  const common = {
    method: 'post' as const,
    tag: 'users',
    scope: 'events:write' as const,
    params: userPath,
  };
  return [
    operation({
      ...common,
      operationId: 'proposeCandidate',
      path: '/v1/users/{id}/candidates',
      summary: 'Propose a ready candidate',
      description:
        'Validated against the catalog: an unknown category or template, a missing required variable or an ' +
        'unknown experiment answers 400 naming it. Idempotent on the candidate id. It competes for the user’s ' +
        'budget like any other candidate; its outcome appears in the decision log with `source: api`. The answer ' +
        'follows a durable write (queued for the user’s workflow); on 503 nothing was written: retry with the same id.',
      body: candidateInput,
      responses: { 202: { description: 'Accepted (or already decided).', schema: candidatesResult } },
      async handle({ params, body, now }) {
        return propose(params.id, [body], now, false);
      },
    }),
    operation({
      ...common,
      operationId: 'proposeCandidatesBatch',
      path: '/v1/users/{id}/candidates:batch',
      summary: `Propose up to ${MAX_BATCH_CANDIDATES} candidates for one user`,
      description: 'As the single form, all or nothing: one invalid candidate answers 400 and none is proposed.',
      body: candidatesBatchInput,
      bodyKind: 'batch',
      responses: { 202: { description: 'Accepted (or already decided).', schema: candidatesResult } },
      async handle({ params, body, now }) {
        return propose(params.id, body.candidates, now, true);
      },
    }),
  ];
}
