import { IntlMessageFormat } from 'intl-messageformat';
import type { Candidate } from '../domain/types';
import { GENERIC_TEMPLATE } from './catalog';
import { formattersFor, isValidTimeZone } from './formatters';
import { languageOf, textDirection } from './locale';
import { declarationProblems, findDeclaration, findMessage, resolve, type DocumentSource } from './resolve';
import type { Resolution, ResolvedMessage } from './resolve';
import type { CompiledMessage } from './compile';
import type { RenderInput, RenderResult } from './types';
import { coerce, escapeHtml, fallbackOf, presentText } from './values';
import { nth, present } from '../domain/present';

type Formatted = { ok: true; text: string } | { ok: false; detail: string };

interface Context {
  resolution: Resolution;
  variables: Candidate['variables'];
  timeZone: string;
}

function templateError(detail: string): RenderResult {
  return { kind: 'error', reason: 'template_error', detail };
}

/**
 * Renders a candidate's template in the user's locale (through the fallback chain) and time zone.
 * A push of a sensitive category or to a user in privacy mode renders the lock-screen-safe generic template
 * instead, with no candidate data at all; email and SMS, read in the user's own inbox, get the real text (a
 * password reset mail must carry its details). Never returns text with an unfilled placeholder: a variable that
 * is missing or unusable takes its declared fallback, or the result is a template_error.
 */
export function renderWith(source: DocumentSource, input: RenderInput): RenderResult {
  const lockScreenSafe = input.channel === 'push' && (input.privacyMode || input.sensitive);
  const template = lockScreenSafe ? GENERIC_TEMPLATE : input.candidate.template;
  const ctx: Context = {
    resolution: resolve(source, template, input.locale),
    variables: lockScreenSafe ? {} : input.candidate.variables,
    timeZone: input.timeZone,
  };
  const chain = ctx.resolution.chain.join(' → ');
  if (ctx.resolution.documents.every((d) => d === undefined)) {
    return templateError(`unknown template "${template}" (looked up ${chain})`);
  }
  const title = findMessage(ctx.resolution, 'title');
  const body = findMessage(ctx.resolution, 'body');
  if (title === undefined || body === undefined) {
    return templateError(`template "${template}" has no ${title ? 'body' : 'title'} in ${chain}`);
  }

  const renderedTitle = format(ctx, title, false);
  if (!renderedTitle.ok) return templateError(`${template}: ${renderedTitle.detail}`);
  const renderedBody = format(ctx, body, false);
  if (!renderedBody.ok) return templateError(`${template}: ${renderedBody.detail}`);

  const primary = title.chainIndex <= body.chainIndex ? title : body;
  const direction = textDirection(primary.sourceLocale);
  const result = {
    kind: 'ok' as const,
    title: renderedTitle.text,
    body: renderedBody.text,
    direction,
    locale: primary.sourceLocale,
  };
  if (input.channel !== 'email') return result;

  const subjectMessage = findMessage(ctx.resolution, 'subject');
  const subject = subjectMessage ? format(ctx, subjectMessage, false) : renderedTitle;
  if (!subject.ok) return templateError(`${template}: ${subject.detail}`);
  const htmlMessage = findMessage(ctx.resolution, 'html');
  const html: Formatted = htmlMessage
    ? format(ctx, htmlMessage, true)
    : { ok: true, text: `<p dir="${direction}">${escapeHtml(renderedBody.text).replace(/\r?\n/g, '<br>')}</p>` };
  if (!html.ok) return templateError(`${template}: ${html.detail}`);
  return { ...result, subject: subject.text, html: html.text };
}

function format(ctx: Context, resolved: ResolvedMessage, html: boolean): Formatted {
  const where = `${resolved.field} (${resolved.sourceLocale})`;
  const problems = declarationProblems(ctx.resolution, resolved);
  if (problems.length > 0) return { ok: false, detail: `${problems.join('; ')} (${resolved.sourceLocale})` };

  const direction = textDirection(resolved.sourceLocale);
  const values: Record<string, string | number> = {};
  for (const name of resolved.message.usages.keys()) {
    const declaration = present(
      findDeclaration(ctx.resolution, name, resolved.chainIndex),
      `the declaration of ${name}`,
    );
    const raw = Object.hasOwn(ctx.variables, name) ? ctx.variables[name] : undefined;
    const supplied = coerce(declaration, raw);
    const value = supplied ?? fallbackOf(declaration);
    if (value === undefined) {
      const what = raw === undefined || raw === null ? 'missing' : `unusable ${declaration.type} value for`;
      return { ok: false, detail: `${where}: ${what} variable "${name}" and no fallback declared` };
    }
    values[name] =
      declaration.type === 'text'
        ? presentText(String(value), declaration, { userSupplied: supplied !== undefined, html, direction })
        : value;
  }

  if (resolved.message.usesDateTime && !isValidTimeZone(ctx.timeZone)) {
    return { ok: false, detail: `${where}: invalid time zone "${ctx.timeZone}"` };
  }
  // Numbers and dates follow the user's own locale when the text is in the user's language (pt text for a
  // pt-BR user formats like pt-BR); otherwise they follow the language of the text, like its plural rules.
  const requested = nth(ctx.resolution.chain, 0);
  const formatLocale = languageOf(requested) === languageOf(resolved.sourceLocale) ? requested : resolved.sourceLocale;
  try {
    const output = formatterFor(
      resolved.message,
      formatLocale,
      resolved.message.usesDateTime ? ctx.timeZone : 'UTC',
    ).format<string>(values);
    return { ok: true, text: Array.isArray(output) ? output.join('') : String(output) };
  } catch (error) {
    // The error's message may quote values; report only its kind.
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      detail: `${where}: formatting failed (${typeof code === 'string' ? code : (error as Error).name})`,
    };
  }
}

// Formatter instances per message, keyed by locale and zone: building one resolves the locale through Intl,
// which costs more than formatting.
const formatters = new WeakMap<CompiledMessage, Map<string, IntlMessageFormat>>();
const MAX_FORMATTERS_PER_MESSAGE = 500;

function formatterFor(message: CompiledMessage, locale: string, timeZone: string): IntlMessageFormat {
  let byKey = formatters.get(message);
  if (byKey === undefined) formatters.set(message, (byKey = new Map<string, IntlMessageFormat>()));
  const key = `${locale}|${timeZone}`;
  let formatter = byKey.get(key);
  if (formatter === undefined) {
    if (byKey.size >= MAX_FORMATTERS_PER_MESSAGE) byKey.clear();
    formatter = new IntlMessageFormat(message.ast, locale, undefined, { formatters: formattersFor(timeZone) });
    byKey.set(key, formatter);
  }
  return formatter;
}
