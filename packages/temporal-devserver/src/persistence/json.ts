// JSON for stored state: bytes (payload data, tokens) as base64 instead of JSON's array of numbers.
const BYTES = '$bytes';

export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = key === '' ? v : this[key];
    return raw instanceof Uint8Array ? { [BYTES]: Buffer.from(raw).toString('base64') } : v;
  });
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && BYTES in v) {
      const encoded = (v as Record<string, unknown>)[BYTES];
      if (typeof encoded === 'string') return Buffer.from(encoded, 'base64');
    }
    return v;
  }) as T;
}
