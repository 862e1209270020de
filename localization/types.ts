import type { Candidate, Channel } from '../domain/types';

/**
 * How a template variable is used and what its value means.
 * - `text`: a user-supplied string (a name, a device label). Isolated with Unicode isolates where direction
 *   can mix, HTML-escaped in email HTML, cut to `maxLength` graphemes.
 * - `number`: a finite number (plural, `{n, number}`).
 * - `datetime`: epoch milliseconds or an ISO 8601 string, formatted with `{x, date|time, ...}` in the user's zone.
 * - `choice`: a select key (`{x, select, ...}`), e.g. a grammatical gender.
 */
export type VariableType = 'text' | 'number' | 'datetime' | 'choice';

export type VariableValue = string | number;

/** A variable declaration: either it has a fallback used when the value is missing or invalid, or it is required. */
export type VariableDeclaration =
  | { type: VariableType; fallback: VariableValue; maxLength?: number; description?: string }
  | { type: VariableType; required: true; maxLength?: number; description?: string };

export const MESSAGE_FIELDS = ['title', 'body', 'subject', 'html'] as const;
export type MessageField = (typeof MESSAGE_FIELDS)[number];

/**
 * One template in one locale, as stored in `templates/<template>/<locale>.json` or in a database override.
 * Every field is optional so that a regional file (`pt-BR`) can hold only what differs from its parent (`pt`).
 */
export interface TemplateDocument {
  description?: string;
  title?: string;
  body?: string;
  email?: { subject?: string; html?: string };
  variables?: Record<string, VariableDeclaration>;
  /** Maximum rendered length in graphemes, checked by `templates:check` against the worst case. */
  limits?: { title?: number; body?: number };
}

/**
 * Database overrides of repository templates (wired by the db engineer or the lead).
 * Rendering is synchronous, so implementations keep an in-memory snapshot refreshed in the background and
 * return the same object for unchanged content (the catalog caches compiled overrides by object identity).
 * An override is layered over the repository file of the same template and locale, field by field.
 */
export interface TemplateOverrideSource {
  get(template: string, locale: string): TemplateDocument | undefined;
}

export type TextDirection = 'ltr' | 'rtl';

export type RenderResult =
  | {
      kind: 'ok';
      title: string;
      body: string;
      html?: string;
      subject?: string;
      direction: TextDirection;
      /** The locale actually used after fallback. */
      locale: string;
    }
  | { kind: 'error'; reason: 'template_error'; detail: string };

export interface RenderInput {
  candidate: Candidate;
  /** BCP 47 locale of the user, e.g. `pt-BR`. */
  locale: string;
  /** IANA time zone of the user, e.g. `America/Sao_Paulo`. */
  timeZone: string;
  channel: Channel;
  /** The user's privacy mode: push gets lock-screen-safe text. */
  privacyMode: boolean;
  /** The candidate's category is sensitive (CategoryPolicy.sensitive): push gets lock-screen-safe text. */
  sensitive: boolean;
}
