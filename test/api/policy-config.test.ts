// TACT_POLICY: deployment overrides of the policy defaults, validated at start-up.
import { describe, expect, it } from 'vitest';
import { parsePolicyOverrides } from '../../workers/config';

describe('TACT_POLICY', () => {
  it('is optional', () => {
    expect(parsePolicyOverrides(undefined)).toBeUndefined();
    expect(parsePolicyOverrides('  ')).toBeUndefined();
  });

  it('takes nested overrides of the defaults', () => {
    expect(parsePolicyOverrides('{"dailyCap":2,"categories":{"marketing":{"weeklyCap":1}}}')).toEqual({
      dailyCap: 2,
      categories: { marketing: { weeklyCap: 1 } },
    });
  });

  it('rejects what is not a JSON object', () => {
    expect(() => parsePolicyOverrides('{dailyCap: 2}')).toThrow(/TACT_POLICY must be a JSON object/);
    expect(() => parsePolicyOverrides('[1]')).toThrow(/TACT_POLICY must be a JSON object/);
  });

  it('names unknown keys instead of ignoring a typo', () => {
    expect(() => parsePolicyOverrides('{"dailyCapp":2}')).toThrow(/unknown keys: dailyCapp/);
  });

  it('names every invalid value', () => {
    expect(() => parsePolicyOverrides('{"dailyCap":-1,"cooldownMs":"4h"}')).toThrow(
      /dailyCap.*cooldownMs|cooldownMs.*dailyCap/,
    );
  });
});
