import { ALLOWED_USAGES, type CompiledDocument, type CompiledMessage } from './compile';
import { fallbackChain } from './locale';
import type { MessageField, VariableDeclaration } from './types';
import { nth } from '../domain/present';

/** Where template documents come from; the catalog implements it. */
export interface DocumentSource {
  readonly defaultLocale: string;
  document(template: string, locale: string): CompiledDocument | undefined;
}

/** A template seen through a locale's fallback chain: `documents[i]` belongs to `chain[i]`. */
export interface Resolution {
  readonly template: string;
  readonly chain: readonly string[];
  readonly documents: readonly (CompiledDocument | undefined)[];
}

export interface ResolvedMessage {
  readonly field: MessageField;
  readonly message: CompiledMessage;
  /** The locale whose file supplied the message. */
  readonly sourceLocale: string;
  readonly chainIndex: number;
}

export function resolve(source: DocumentSource, template: string, locale: string): Resolution {
  const chain = fallbackChain(locale, source.defaultLocale);
  return { template, chain, documents: chain.map((l) => source.document(template, l)) };
}

/** The most specific message for a field: `pt-BR` first, then `pt`, then the default locale. */
export function findMessage(resolution: Resolution, field: MessageField): ResolvedMessage | undefined {
  for (let i = 0; i < resolution.chain.length; i++) {
    const message = resolution.documents[i]?.messages[field];
    if (message !== undefined) return { field, message, sourceLocale: nth(resolution.chain, i), chainIndex: i };
  }
  return undefined;
}

/**
 * A variable's declaration as seen by a message from `chain[fromIndex]`: a message never borrows a fallback
 * from a more specific locale than its own (an English title must not get a Portuguese fallback name).
 */
export function findDeclaration(
  resolution: Resolution,
  name: string,
  fromIndex: number,
): VariableDeclaration | undefined {
  for (let i = fromIndex; i < resolution.chain.length; i++) {
    const declaration = resolution.documents[i]?.document.variables?.[name];
    if (declaration !== undefined) return declaration;
  }
  return undefined;
}

export function findLimit(resolution: Resolution, field: 'title' | 'body'): number | undefined {
  for (const document of resolution.documents) {
    const limit = document?.document.limits?.[field];
    if (limit !== undefined) return limit;
  }
  return undefined;
}

/** Variables a message uses without a declaration, or in a way their declared type does not allow. */
export function declarationProblems(resolution: Resolution, resolved: ResolvedMessage): string[] {
  const problems: string[] = [];
  for (const [name, usages] of resolved.message.usages) {
    const declaration = findDeclaration(resolution, name, resolved.chainIndex);
    if (declaration === undefined) {
      problems.push(`${resolved.field}: variable "${name}" is not declared`);
      continue;
    }
    for (const usage of usages) {
      if (!ALLOWED_USAGES[declaration.type].has(usage)) {
        problems.push(`${resolved.field}: ${declaration.type} variable "${name}" cannot be used as ${usage}`);
      }
    }
  }
  return problems;
}
