import { describe, expect, it } from 'vitest';
import { defineSearchAttributeKey, SearchAttributeType as SdkType } from '@temporalio/common';
import {
  decodeSearchAttributes as sdkDecodeLegacy,
  decodeTypedSearchAttributes as sdkDecodeTyped,
  encodeUnifiedSearchAttributes as sdkEncode,
} from '@temporalio/common/lib/converter/payload-search-attributes';
import {
  applySearchAttributeUpsert,
  decodeSearchAttributes,
  encodeSearchAttributes,
  parseSearchAttributeType,
  SearchAttributeError,
  SearchAttributeRegistry,
  toIndexedValueType,
} from '../../src/visibility/search-attributes';
import type { SearchAttributeType } from '../../src/visibility/search-attributes';
import { CUSTOM_TYPES as customTypes, testRegistry as registry } from './fixtures';

function errorOf(fn: () => unknown): SearchAttributeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SearchAttributeError) return err;
    throw err;
  }
  throw new Error('expected a SearchAttributeError');
}

const json = (value: unknown) => ({
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode(JSON.stringify(value)),
});

describe('SearchAttributeRegistry', () => {
  it('registers custom attributes and reports only them from types()', () => {
    const r = registry();
    expect(r.types()).toEqual(customTypes);
    expect(r.typeOf('CustomInt')).toBe('Int');
    expect(r.isCustom('CustomInt')).toBe(true);
    expect(r.has('Nope')).toBe(false);
    expect(r.typeOf('Nope')).toBeUndefined();
  });

  it('knows the system and predefined attributes without listing them as custom', () => {
    const r = new SearchAttributeRegistry();
    expect(r.types()).toEqual({});
    expect(r.typeOf('WorkflowId')).toBe('Keyword');
    expect(r.typeOf('ExecutionStatus')).toBe('Keyword');
    expect(r.typeOf('StartTime')).toBe('Datetime');
    expect(r.typeOf('CloseTime')).toBe('Datetime');
    expect(r.typeOf('ExecutionTime')).toBe('Datetime');
    expect(r.typeOf('TaskQueue')).toBe('Keyword');
    expect(r.typeOf('WorkflowType')).toBe('Keyword');
    expect(r.typeOf('RunId')).toBe('Keyword');
    expect(r.typeOf('HistoryLength')).toBe('Int');
    expect(r.typeOf('TemporalChangeVersion')).toBe('KeywordList');
    expect(r.typeOf('BuildIds')).toBe('KeywordList');
    expect(r.has('WorkflowId')).toBe(true);
    expect(r.isCustom('WorkflowId')).toBe(false);
    expect(r.systemTypes()).toMatchObject({ WorkflowId: 'Keyword', TemporalChangeVersion: 'KeywordList' });
  });

  it('is idempotent for the same name and type, and rejects a different type as ALREADY_EXISTS', () => {
    const r = registry();
    r.add('CustomInt', 'Int');
    const err = errorOf(() => r.add('CustomInt', 'Keyword'));
    expect(err.code).toBe('ALREADY_EXISTS');
    expect(err.message).toContain('Search attribute CustomInt already exists');
    expect(r.typeOf('CustomInt')).toBe('Int');
  });

  it.each(['WorkflowId', 'ExecutionStatus', 'TemporalChangeVersion', 'TemporalAnything', 'Memo', 'NamespaceId'])(
    'refuses the reserved name %s',
    (name) => {
      const err = errorOf(() => new SearchAttributeRegistry().add(name, 'Keyword'));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toBe(`Search attribute ${name} is reserved by system.`);
    },
  );

  it.each(['', ' Spaced', 'has space', '1Digit', 'dash-ed', 'back`tick', 'x'.repeat(256)])(
    'refuses the malformed name %j',
    (name) => {
      const err = errorOf(() => new SearchAttributeRegistry().add(name, 'Keyword'));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toContain('is not valid');
    },
  );

  it('refuses an unknown type', () => {
    const err = errorOf(() => new SearchAttributeRegistry().add('Fine', 'String' as SearchAttributeType));
    expect(err.message).toBe('Unknown search attribute type: String.');
  });

  it('removes custom attributes; refuses system ones and unknown names with Temporal’s codes', () => {
    const r = registry();
    r.remove('CustomInt');
    expect(r.has('CustomInt')).toBe(false);
    const missing = errorOf(() => r.remove('CustomInt'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe("Search attribute CustomInt doesn't exist.");
    const system = errorOf(() => r.remove('WorkflowId'));
    expect(system.code).toBe('INVALID_ARGUMENT');
    expect(system.message).toBe('Unable to remove non-custom search attributes: WorkflowId.');
  });

  it('returns a copy from types()', () => {
    const r = registry();
    const copy = r.types();
    copy['Injected'] = 'Int';
    expect(r.has('Injected')).toBe(false);
  });
});

describe('parseSearchAttributeType / toIndexedValueType', () => {
  it.each([
    ['Keyword', 'Keyword'],
    ['keyword', 'Keyword'],
    ['TEXT', 'Text'],
    ['int', 'Int'],
    ['Double', 'Double'],
    ['bool', 'Bool'],
    ['datetime', 'Datetime'],
    ['KeywordList', 'KeywordList'],
    ['keywordlist', 'KeywordList'],
    ['INDEXED_VALUE_TYPE_KEYWORD_LIST', 'KeywordList'],
    ['INDEXED_VALUE_TYPE_DATETIME', 'Datetime'],
  ])('parses %s', (input, expected) => {
    expect(parseSearchAttributeType(input)).toBe(expected);
  });

  it('rejects unknown spellings with the accepted ones in the message', () => {
    const err = errorOf(() => parseSearchAttributeType('String'));
    expect(err.message).toContain('Unknown search attribute type: String');
    expect(err.message).toContain('KeywordList');
  });

  it('round-trips through the proto enum names', () => {
    for (const type of Object.values(customTypes)) {
      expect(parseSearchAttributeType(toIndexedValueType(type))).toBe(type);
    }
    expect(toIndexedValueType('KeywordList')).toBe('INDEXED_VALUE_TYPE_KEYWORD_LIST');
    expect(toIndexedValueType('Bool')).toBe('INDEXED_VALUE_TYPE_BOOL');
  });
});

describe('decodeSearchAttributes', () => {
  const when = new Date('2024-03-04T05:06:07.089Z');

  it('decodes the typed payloads the real SDK sends, one of every type', () => {
    const payloads = sdkEncode(undefined, [
      { key: defineSearchAttributeKey('CustomKeyword', SdkType.KEYWORD), value: 'kw' },
      { key: defineSearchAttributeKey('CustomText', SdkType.TEXT), value: 'some words' },
      { key: defineSearchAttributeKey('CustomInt', SdkType.INT), value: 42 },
      { key: defineSearchAttributeKey('CustomDouble', SdkType.DOUBLE), value: 1.5 },
      { key: defineSearchAttributeKey('CustomBool', SdkType.BOOL), value: true },
      { key: defineSearchAttributeKey('CustomDatetime', SdkType.DATETIME), value: when },
      { key: defineSearchAttributeKey('CustomKeywordList', SdkType.KEYWORD_LIST), value: ['a', 'b'] },
    ]);
    expect(decodeSearchAttributes(payloads, registry())).toEqual({
      CustomKeyword: 'kw',
      CustomText: 'some words',
      CustomInt: 42,
      CustomDouble: 1.5,
      CustomBool: true,
      CustomDatetime: when.getTime(),
      CustomKeywordList: ['a', 'b'],
    });
  });

  it('decodes the legacy untyped SDK form (every value a list)', () => {
    const payloads = sdkEncode({
      CustomKeyword: ['kw'],
      CustomInt: [7],
      CustomDatetime: [when],
      CustomKeywordList: ['x', 'y'],
    });
    expect(decodeSearchAttributes(payloads, registry())).toEqual({
      CustomKeyword: 'kw',
      CustomInt: 7,
      CustomDatetime: when.getTime(),
      CustomKeywordList: ['x', 'y'],
    });
  });

  it('turns typed removals (null) and empty lists into null', () => {
    const payloads = sdkEncode({ CustomKeywordList: [] }, [
      { key: defineSearchAttributeKey('CustomInt', SdkType.INT), value: null },
    ]);
    expect(decodeSearchAttributes(payloads, registry())).toEqual({ CustomInt: null, CustomKeywordList: null });
    const binaryNull = { metadata: { encoding: new TextEncoder().encode('binary/null') } };
    expect(decodeSearchAttributes({ CustomText: binaryNull }, registry())).toEqual({ CustomText: null });
  });

  it('accepts predefined attributes the SDK upserts itself (TemporalChangeVersion)', () => {
    expect(decodeSearchAttributes({ TemporalChangeVersion: json(['my-patch']) }, registry())).toEqual({
      TemporalChangeVersion: ['my-patch'],
    });
  });

  it('keeps microseconds of a Datetime and reads offsets', () => {
    const decoded = decodeSearchAttributes({ CustomDatetime: json('2024-01-01T02:00:00.000123+02:00') }, registry());
    expect(decoded['CustomDatetime']).toBeCloseTo(Date.UTC(2024, 0, 1) + 0.123, 6);
  });

  it('rejects an unregistered name with Temporal’s message', () => {
    const err = errorOf(() => decodeSearchAttributes({ Unknown: json('x') }, registry()));
    expect(err.message).toBe('search attribute Unknown is not defined');
    expect(err.code).toBe('INVALID_ARGUMENT');
  });

  it('rejects setting a system attribute', () => {
    const err = errorOf(() => decodeSearchAttributes({ WorkflowId: json('x') }, registry()));
    expect(err.message).toBe("WorkflowId attribute can't be set in SearchAttributes");
  });

  it.each([
    ['CustomInt', 'abc', 'abc is not a valid value for search attribute CustomInt of type Int'],
    ['CustomInt', 1.5, '1.5 is not a valid value for search attribute CustomInt of type Int'],
    ['CustomDouble', '1.5', '1.5 is not a valid value for search attribute CustomDouble of type Double'],
    ['CustomBool', 'true', 'true is not a valid value for search attribute CustomBool of type Bool'],
    ['CustomKeyword', 3, '3 is not a valid value for search attribute CustomKeyword of type Keyword'],
    [
      'CustomDatetime',
      'yesterday',
      'yesterday is not a valid value for search attribute CustomDatetime of type Datetime',
    ],
    [
      'CustomKeywordList',
      'single',
      'single is not a valid value for search attribute CustomKeywordList of type KeywordList',
    ],
    [
      'CustomKeywordList',
      ['a', 1],
      '[a 1] is not a valid value for search attribute CustomKeywordList of type KeywordList',
    ],
    ['CustomKeyword', ['a', 'b'], '[a b] is not a valid value for search attribute CustomKeyword of type Keyword'],
  ])('rejects %s = %j', (name, value, message) => {
    expect(errorOf(() => decodeSearchAttributes({ [name]: json(value) }, registry())).message).toContain(message);
  });

  it('rejects payloads that are not JSON', () => {
    const proto = { metadata: { encoding: new TextEncoder().encode('binary/protobuf') }, data: new Uint8Array([1]) };
    expect(errorOf(() => decodeSearchAttributes({ CustomKeyword: proto }, registry())).message).toContain(
      'is not a valid value for search attribute CustomKeyword of type Keyword',
    );
    const broken = {
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode('{'),
    };
    expect(errorOf(() => decodeSearchAttributes({ CustomKeyword: broken }, registry())).message).toContain(
      'not valid JSON',
    );
  });

  it('uses the registered type, not the SDK’s declared metadata type (as Temporal’s server does)', () => {
    const payloads = sdkEncode(undefined, [{ key: defineSearchAttributeKey('CustomDouble', SdkType.INT), value: 3 }]);
    expect(decodeSearchAttributes(payloads, registry())).toEqual({ CustomDouble: 3 });
    const wrong = sdkEncode(undefined, [{ key: defineSearchAttributeKey('CustomInt', SdkType.KEYWORD), value: 'x' }]);
    expect(() => decodeSearchAttributes(wrong, registry())).toThrow(SearchAttributeError);
  });
});

describe('encodeSearchAttributes', () => {
  it('produces payloads the SDK decodes back into typed search attributes, for every type', () => {
    const r = registry();
    const values = {
      CustomKeyword: 'kw',
      CustomText: 'some words',
      CustomInt: 42,
      CustomDouble: 1.5,
      CustomBool: false,
      CustomDatetime: Date.UTC(2024, 2, 4, 5, 6, 7, 89),
      CustomKeywordList: ['a', 'b'],
      CustomRemoved: null,
    };
    const typed = sdkDecodeTyped(encodeSearchAttributes(values, r));
    expect(typed.get(defineSearchAttributeKey('CustomKeyword', SdkType.KEYWORD))).toBe('kw');
    expect(typed.get(defineSearchAttributeKey('CustomText', SdkType.TEXT))).toBe('some words');
    expect(typed.get(defineSearchAttributeKey('CustomInt', SdkType.INT))).toBe(42);
    expect(typed.get(defineSearchAttributeKey('CustomDouble', SdkType.DOUBLE))).toBe(1.5);
    expect(typed.get(defineSearchAttributeKey('CustomBool', SdkType.BOOL))).toBe(false);
    expect(typed.get(defineSearchAttributeKey('CustomDatetime', SdkType.DATETIME))).toEqual(
      new Date('2024-03-04T05:06:07.089Z'),
    );
    expect(typed.get(defineSearchAttributeKey('CustomKeywordList', SdkType.KEYWORD_LIST))).toEqual(['a', 'b']);
    expect(sdkDecodeLegacy(encodeSearchAttributes(values, r))['CustomInt']).toEqual([42]);
  });

  it('round-trips decode → encode → decode', () => {
    const r = registry();
    const original = { CustomInt: 1, CustomDatetime: Date.UTC(2020, 0, 1) + 0.5, CustomKeywordList: ['z'] };
    expect(decodeSearchAttributes(encodeSearchAttributes(original, r), r)).toEqual(original);
  });
});

describe('applySearchAttributeUpsert', () => {
  it('sets, replaces and removes without touching the input', () => {
    const current = { A: 1, B: 'x' };
    const next = applySearchAttributeUpsert(current, { A: 2, B: null, C: ['y'] });
    expect(next).toEqual({ A: 2, C: ['y'] });
    expect(current).toEqual({ A: 1, B: 'x' });
  });
});
