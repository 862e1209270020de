// Localization, templates, payload limits and deep-link validation (docs/product.md §8).
import { createTemplateCatalog, type TemplateCatalog } from './catalog';
import { renderWith } from './render';
import type { RenderInput, RenderResult } from './types';

export {
  createTemplateCatalog,
  TemplateCatalogError,
  GENERIC_TEMPLATE,
  type TemplateCatalog,
  type TemplateCatalogOptions,
} from './catalog';
export { fitPushPayload, PayloadTooLargeError, DEFAULT_PUSH_PAYLOAD_LIMIT } from './payload';
export { validateDeepLink, type AllowedDeepLinks } from './deep-link';
export { parseTemplateDocument } from './schema';
export { fallbackChain, textDirection } from './locale';
export type {
  RenderInput,
  RenderResult,
  TemplateDocument,
  TemplateOverrideSource,
  VariableDeclaration,
  TextDirection,
} from './types';

let defaultCatalog: TemplateCatalog | undefined;

/** The repository templates, loaded and validated once on first use. */
export function getDefaultCatalog(): TemplateCatalog {
  defaultCatalog ??= createTemplateCatalog();
  return defaultCatalog;
}

export function renderNotification(input: RenderInput, catalog: TemplateCatalog = getDefaultCatalog()): RenderResult {
  return renderWith(catalog, input);
}
