// OperatorService: search attribute registration per namespace.
import { status } from '@grpc/grpc-js';
import type { Engine } from './engine';
import { ApiError } from './errors';
import type { OperatorServiceHandlers } from './grpc';
import { enums } from './proto';
import { SearchAttributeError, toIndexedValueType, type SearchAttributeType } from './visibility/search-attributes';
import { SEARCH_ATTRIBUTE_TYPES } from './visibility/types';

const CODE: Record<SearchAttributeError['code'], status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  NOT_FOUND: status.NOT_FOUND,
};

function indexedValueType(t: SearchAttributeType): number {
  return enums.IndexedValueType[toIndexedValueType(t) as keyof typeof enums.IndexedValueType];
}

function typeOfIndexedValue(v: number): SearchAttributeType {
  const found = SEARCH_ATTRIBUTE_TYPES.find((t) => indexedValueType(t) === v);
  if (!found) throw new ApiError(status.INVALID_ARGUMENT, `Unknown search attribute type: ${v}.`);
  return found;
}

function withSearchAttributeErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SearchAttributeError) throw new ApiError(CODE[err.code], err.message);
    throw err;
  }
}

export function operatorHandlers(engine: Engine): OperatorServiceHandlers {
  return {
    AddSearchAttributes: (req) =>
      withSearchAttributeErrors(() => {
        const ns = engine.namespace(req.namespace);
        const entries = Object.entries(req.searchAttributes ?? {}).map(
          ([name, v]) => [name, typeOfIndexedValue(v)] as const,
        );
        for (const [name, type] of entries) {
          const existing = ns.registry.typeOf(name);
          if (existing !== undefined && ns.registry.isCustom(name) && existing !== type) {
            throw new SearchAttributeError(
              `Search attribute ${name} already exists (as ${existing}).`,
              'ALREADY_EXISTS',
            );
          }
        }
        for (const [name, type] of entries) ns.registry.add(name, type);
        return {};
      }),
    RemoveSearchAttributes: (req) =>
      withSearchAttributeErrors(() => {
        const ns = engine.namespace(req.namespace);
        for (const name of req.searchAttributes ?? []) ns.registry.remove(name);
        return {};
      }),
    ListSearchAttributes: (req) => {
      const registry = engine.namespace(req.namespace).registry;
      const map = (types: Record<string, SearchAttributeType>) =>
        Object.fromEntries(Object.entries(types).map(([k, t]) => [k, indexedValueType(t)]));
      return {
        customAttributes: map(registry.types()),
        systemAttributes: map(registry.systemTypes()),
        storageSchema: {},
      };
    },
  };
}
