import { z } from 'zod';
import type { TemplateDocument } from './types';

export const TEMPLATE_NAME = /^[a-z][a-z0-9_]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Hard ceilings for declared limits: beyond these no push platform shows the text anyway. */
export const MAX_TITLE_LIMIT = 120;
export const MAX_BODY_LIMIT = 1000;

const declarationBase = {
  type: z.enum(['text', 'number', 'datetime', 'choice']),
  maxLength: z.int().min(1).max(500).optional(),
  description: z.string().optional(),
};

const declaration = z
  .union([
    z.strictObject({ ...declarationBase, fallback: z.union([z.string(), z.number()]) }),
    z.strictObject({ ...declarationBase, required: z.literal(true) }),
  ])
  .superRefine((decl, ctx) => {
    if (decl.maxLength !== undefined && decl.type !== 'text') {
      ctx.addIssue({ code: 'custom', message: 'maxLength applies to text variables only' });
    }
    if (!('fallback' in decl)) return;
    const { fallback } = decl;
    const fits =
      decl.type === 'number'
        ? typeof fallback === 'number' && Number.isFinite(fallback)
        : decl.type === 'datetime'
          ? typeof fallback === 'number' || !Number.isNaN(Date.parse(fallback))
          : typeof fallback === 'string' && fallback.trim() !== '';
    if (!fits) ctx.addIssue({ code: 'custom', message: `fallback does not suit a ${decl.type} variable` });
  });

const message = z.string().min(1);

export const templateDocumentSchema = z.strictObject({
  description: z.string().optional(),
  title: message.optional(),
  body: message.optional(),
  email: z.strictObject({ subject: message.optional(), html: message.optional() }).optional(),
  variables: z.record(z.string().regex(VARIABLE_NAME, 'variable names are identifiers'), declaration).optional(),
  limits: z
    .strictObject({
      title: z.int().min(1).max(MAX_TITLE_LIMIT).optional(),
      body: z.int().min(1).max(MAX_BODY_LIMIT).optional(),
    })
    .optional(),
});

/** Validates untrusted JSON (a file or a database row) as a template document. */
export function parseTemplateDocument(
  input: unknown,
): { ok: true; document: TemplateDocument } | { ok: false; problems: string[] } {
  const result = templateDocumentSchema.safeParse(input);
  if (result.success) return { ok: true, document: result.data as TemplateDocument };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`),
  };
}
