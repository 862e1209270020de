// Temporal's HTTP API routes, read from the `google.api.http` annotations in @temporalio/proto's descriptor (the
// same annotations grpc-gateway generates Temporal's HTTP handlers from): every binding and additional binding of
// every WorkflowService and OperatorService method.
import type { Method, Type } from 'protobufjs';
import { root } from '../proto';

export const HTTP_SERVICES = [
  'temporal.api.workflowservice.v1.WorkflowService',
  'temporal.api.operatorservice.v1.OperatorService',
] as const;

type Segment = { literal: string } | { variable: string[] };

export interface Route {
  service: string;
  method: string;
  /** GET, POST, PUT, PATCH or DELETE */
  verb: string;
  /** The template as annotated, e.g. `/api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}`. */
  template: string;
  segments: Segment[];
  /** `*` (the whole request is the body), a field name, or none (query parameters). */
  body: string | undefined;
  requestType: Type;
  responseType: Type;
}

interface HttpRule {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  body?: string;
  additional_bindings?: HttpRule | HttpRule[];
}

const VERBS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function loadRoutes(): Route[] {
  const routes: Route[] = [];
  for (const serviceName of HTTP_SERVICES) {
    const service = root.lookupService(serviceName);
    service.resolveAll();
    for (const method of Object.values<Method>(service.methods)) {
      const rule = httpRule(method);
      if (!rule) continue;
      const extra = rule.additional_bindings;
      for (const binding of [rule, ...(Array.isArray(extra) ? extra : extra ? [extra] : [])]) {
        const verb = VERBS.find((v) => binding[v] !== undefined);
        if (!verb) continue;
        const template = binding[verb]!;
        routes.push({
          service: serviceName,
          method: method.name,
          verb: verb.toUpperCase(),
          template,
          segments: parseTemplate(template),
          body: binding.body,
          requestType: method.resolvedRequestType!,
          responseType: method.resolvedResponseType!,
        });
      }
    }
  }
  return routes;
}

function httpRule(method: Method): HttpRule | undefined {
  for (const option of (method.parsedOptions ?? []) as Record<string, unknown>[]) {
    const rule = option['(google.api.http)'];
    if (rule) return rule;
  }
  return undefined;
}

function parseTemplate(template: string): Segment[] {
  return template
    .split('/')
    .slice(1)
    .map((part) => {
      const m = /^\{([a-z0-9_.]+)\}$/.exec(part);
      if (m) return { variable: m[1]!.split('.') };
      if (part.includes('{') || part.includes('*') || part.includes(':')) {
        throw new Error(`unsupported HTTP path template ${template}`);
      }
      return { literal: part };
    });
}

export interface RouteMatch {
  route: Route;
  /** field path (proto names) → decoded segment */
  params: [string[], string][];
}

export class Router {
  constructor(private readonly routes: Route[] = loadRoutes()) {}

  all(): readonly Route[] {
    return this.routes;
  }

  /** The best route for a path: `undefined` when none matches, `'method'` when only the verb differs. */
  match(verb: string, pathname: string): RouteMatch | 'method' | undefined {
    const parts = pathname.split('/').slice(1);
    let best: { match: RouteMatch; literals: number } | undefined;
    let otherVerb = false;
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: [string[], string][] = [];
      let literals = 0;
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const segment = route.segments[i]!;
        const part = parts[i]!;
        if ('literal' in segment) {
          ok = segment.literal === part;
          literals++;
        } else if (part === '') {
          ok = false;
        } else {
          let value: string;
          try {
            value = decodeURIComponent(part);
          } catch {
            return undefined;
          }
          params.push([segment.variable, value]);
        }
      }
      if (!ok) continue;
      if (route.verb !== verb) {
        otherVerb = true;
        continue;
      }
      if (!best || literals > best.literals) best = { match: { route, params }, literals };
    }
    return best?.match ?? (otherVerb ? 'method' : undefined);
  }
}
