// Bad input never reaches a workflow: property-based fuzzing (fast-check) of every endpoint's body,
// path, query and headers with malformed, oversized, wrong-typed, unicode-edge and injection-shaped
// values. For every request: no 5xx; for every rejected one: problem+json, no signal at the Temporal
// client boundary and no row written.
import fc from 'fast-check';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, uniqueId, useApiStack, type ApiResponse, type CallOptions } from './support';

// With a worker: a valid state query needs one to answer (without, it times out as 503 by design).
const stack = useApiStack({ worker: true });
const RUNS = Number(process.env.API_FUZZ_RUNS ?? 40);
// A fixed seed keeps CI repeatable (the rejected-share check below is a ratio over a few dozen draws);
// API_FUZZ_SEED explores other inputs locally.
fc.configureGlobal({ seed: Number(process.env.API_FUZZ_SEED ?? 20261203) });
const KNOWN_USER = uniqueId('fuzz-known');
const KNOWN_TOKEN = 'f'.repeat(64);

beforeAll(async () => {
  const put = await stack().call('PUT', `/v1/users/${KNOWN_USER}`, { json: { timeZone: 'UTC', locale: 'en' } });
  expect(put.status).toBe(201);
  await stack().call('PUT', `/v1/users/${KNOWN_USER}/devices/${KNOWN_TOKEN}`, { json: { platform: 'ios' } });
});

/** A fingerprint of every table a request could write. */
async function fingerprint(): Promise<string> {
  const { rows } = await stack().db.pool.query(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT max(updated_at) FROM users) AS users_updated,
            (SELECT count(*) FROM preferences) AS preferences, (SELECT max(updated_at) FROM preferences) AS prefs_updated,
            (SELECT count(*) FROM endpoints) AS endpoints, (SELECT max(updated_at) FROM endpoints) AS endpoints_updated,
            (SELECT count(*) FROM decisions) AS decisions, (SELECT count(*) FROM notification_events) AS receipts,
            (SELECT count(*) FROM events_accepted) AS accepted, (SELECT count(*) FROM outbox) AS outbox,
            (SELECT count(*) FROM delivery_ledger) AS ledger, (SELECT count(*) FROM api_keys) AS keys`,
  );
  return JSON.stringify(rows[0]);
}

// The fuzzers are meant to be rejected: a property whose inputs mostly pass checks nothing.
const tally = { sent: 0, rejected: 0 };
beforeEach(() => {
  tally.sent = 0;
  tally.rejected = 0;
});
afterEach(() => {
  if (tally.sent > 0) expect(tally.rejected / tally.sent, 'share of fuzzed requests rejected').toBeGreaterThan(0.5);
});

/** Sends the request; checks the no-5xx and the rejected-means-untouched invariants. */
async function probe(method: string, path: string, options: CallOptions): Promise<ApiResponse> {
  const signalsBefore = stack().spy.signals;
  const rowsBefore = await fingerprint();
  const response = await stack().call(method, path, options);
  tally.sent += 1;
  if (response.status >= 400) tally.rejected += 1;
  expect(response.status, `${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/problem\+json/);
    expect(stack().spy.signals, `${method} ${path} was rejected but signalled a workflow`).toBe(signalsBefore);
    expect(await fingerprint(), `${method} ${path} was rejected but wrote a row`).toBe(rowsBefore);
  }
  return response;
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const injection = fc.constantFrom(
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://evil/a}',
  '{{7*7}}',
  '%00',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil',
  '\ufeff',
  '𝕏'.repeat(300),
  'a'.repeat(5000),
  '',
  ' ',
  'null',
  '__proto__',
  'constructor',
  'jane@example.com',
  '+33612345678',
  '0612345678',
  'تست',
  '\t\r\n',
  '1e309',
  '-1',
  '9'.repeat(400),
);
const utf16Units = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 })
  .map((units) => String.fromCharCode(...units));
const nastyString = fc.oneof(
  injection,
  utf16Units,
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyString, { maxLength: 5 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 8 }),
);

function mutationsOf(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: wrongValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    fc
      .record({ key: nastyString.filter((key) => !keys.includes(key)), value: wrongValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.dictionary(fc.constantFrom(...keys), wrongValue, { minKeys: 1 }).map((changes) => ({ ...valid, ...changes })),
    wrongValue,
  );
}

const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[', '{"id":1}}', '\u0000', '{"a":1,}', "{'a':1}", '{"a":NaN}', '', '\ud800', 'nul'),
  fc.string({ maxLength: 200 }),
);

type Body = { json: unknown } | { raw: string };
function bodies(valid: Record<string, unknown>): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 3, arbitrary: mutationsOf(valid).map((json): Body => ({ json })) },
    { weight: 1, arbitrary: malformedJson.map((raw): Body => ({ raw })) },
  );
}

function send(body: Body): CallOptions {
  return 'json' in body ? { json: body.json } : { rawBody: body.raw, headers: { 'content-type': 'application/json' } };
}

/** encodeURIComponent, except that a lone surrogate (which it cannot encode) is sent as its raw UTF-8 bytes. */
function encodeSegment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

const pathSegment = fc.oneof(
  nastyString.filter((s) => s !== '').map(encodeSegment),
  fc.constantFrom(
    '%',
    '%zz',
    '%E0%A4%A',
    '..',
    '%2e%2e',
    '%2F',
    'a%00b',
    '%C0%AF',
    'a%20b',
    '%F0%9F%98%80',
    '%ED%A0%80',
  ),
);

// No trigger rule matches this type: accepted events make no decisions, so the worker writes no rows
// in the background and every table stays comparable before and after a request.
const validEvent = { id: 'ev-1', userId: 'fuzz-user', type: 'fuzz_probe', properties: { friendId: 'f1' } };

// ---------------------------------------------------------------------------------------------

describe('bad input fuzzing: no 5xx, no signal, no row for a rejected request', () => {
  it('POST /v1/events bodies', async () => {
    await fc.assert(
      fc.asyncProperty(bodies(validEvent), async (body) => {
        await probe('POST', '/v1/events', send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/events:batch bodies, including bad items among good ones and oversized arrays', async () => {
    const item = mutationsOf(validEvent);
    const batch = fc.oneof(
      bodies({ events: [validEvent] }),
      fc
        .tuple(fc.array(fc.constant(validEvent), { maxLength: 3 }), item, fc.nat({ max: 3 }))
        .map(([good, bad, at]): Body => {
          const events: unknown[] = good.map((e, i) => ({ ...e, id: `ok-${i}-${Math.random()}` }));
          events.splice(at, 0, bad);
          return { json: { events } };
        }),
      fc
        .integer({ min: 501, max: 700 })
        .map((n): Body => ({ json: { events: Array.from({ length: n }, () => validEvent) } })),
    );
    await fc.assert(
      fc.asyncProperty(batch, async (body) => {
        await probe('POST', '/v1/events:batch', send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT /v1/users/{id}: path and body', async () => {
    const valid = { timeZone: 'Europe/Paris', locale: 'fr', attributes: { plan: 'pro' } };
    await fc.assert(
      fc.asyncProperty(fc.oneof(pathSegment, fc.constant(uniqueId('fuzz-new'))), bodies(valid), async (id, body) => {
        await probe('PUT', `/v1/users/${id}`, send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('PATCH /v1/users/{id}/preferences: path and body', async () => {
    const valid = {
      globalOptOut: false,
      optedOutCategories: ['marketing'],
      optedOutChannels: ['sms'],
      quietHours: { start: '22:00', end: '07:00' },
      nightDelivery: false,
      privacyMode: true,
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(pathSegment, fc.constant(KNOWN_USER)), bodies(valid), async (id, body) => {
        await probe('PATCH', `/v1/users/${id}/preferences`, send(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT and DELETE /v1/users/{id}/devices/{token}: path and body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(pathSegment, fc.constant(KNOWN_USER)),
        fc.oneof(pathSegment, fc.constant(KNOWN_TOKEN)),
        bodies({ platform: 'ios' }),
        fc.boolean(),
        async (id, token, body, remove) => {
          if (id === KNOWN_USER && token === KNOWN_TOKEN && remove) return; // the one valid delete
          // fetch resolves a dot segment before sending: DELETE …/devices/.. is DELETE /v1/users/{id}, a valid erasure.
          if (remove && /^(\.|%2e){1,2}$/i.test(token)) return;
          await probe(remove ? 'DELETE' : 'PUT', `/v1/users/${id}/devices/${token}`, send(body));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('PUT and DELETE /v1/users/{id}/endpoints/{email,sms}: path and body', async () => {
    const contact = fc.oneof(
      fc.record({ channel: fc.constant('email'), body: bodies({ address: 'fuzz@example.org' }) }),
      fc.record({ channel: fc.constant('sms'), body: bodies({ phone: '+33612345678' }) }),
      // A valid field on the other channel's route, and look-alikes of valid values.
      fc.record({
        channel: fc.constantFrom('email', 'sms'),
        body: fc
          .record({
            field: fc.constantFrom('address', 'phone'),
            value: fc.constantFrom(
              'a@b',
              'a@@b.example',
              'a b@example.org',
              '@example.org',
              'ada@example.org\r\nBcc: x@evil.example',
              `${'x'.repeat(250)}@example.org`,
              '+33 6 12 34 56 78',
              '+0612345678',
              '0612345678',
              '+1234',
              '+33612345678\n',
              '＋33612345678',
            ),
          })
          .map(({ field, value }): Body => ({ json: { [field]: value } })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(pathSegment, fc.constant(KNOWN_USER)),
        contact,
        fc.boolean(),
        async (id, { channel, body }, remove) => {
          // The one valid delete would succeed (once): removing the known user's contact is not a rejection.
          if (id === KNOWN_USER && remove) return;
          await probe(remove ? 'DELETE' : 'PUT', `/v1/users/${id}/endpoints/${channel}`, send(body));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/notifications/{id}/events: path and body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(pathSegment, fc.constant('n-1')),
        bodies({ type: 'opened', at: new Date().toISOString(), userId: KNOWN_USER }),
        async (id, body) => {
          await probe('POST', `/v1/notifications/${id}/events`, send(body));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('reads: state, decisions and outbox with fuzzed paths and query strings', async () => {
    const queryValue = fc.oneof(pathSegment, fc.constantFrom('0', '-1', '501', '1.5', '1e3', 'sent', 'bogus', ''));
    const query = fc
      .array(fc.tuple(fc.constantFrom('limit', 'cursor', 'outcome', 'userId', 'x', '__proto__'), queryValue), {
        maxLength: 4,
      })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('state', 'decisions', 'outbox'),
        fc.oneof(pathSegment, fc.constant(KNOWN_USER)),
        query,
        async (what, id, search) => {
          const path = what === 'outbox' ? `/v1/outbox${search}` : `/v1/users/${id}/${what}${search}`;
          await probe('GET', path, {});
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/unsubscribe/{token} with forged tokens', async () => {
    const token = fc.oneof(
      pathSegment,
      fc.tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 60 })).map(([a, b]) => `${a}.${b}`),
    );
    await fc.assert(
      fc.asyncProperty(token, async (forged) => {
        const response = await probe('POST', `/v1/unsubscribe/${forged}`, {
          key: null,
          rawBody: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('headers: authorization, content type, encoding and request id', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode),
      maxLength: 120,
    });
    const authorization = fc.oneof(
      printable,
      printable.map((s) => `Bearer ${s}`),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        'bearer tact_',
        `Bearer tact_${'0'.repeat(16)}_${'a'.repeat(43)}`,
      ),
      fc.nat({ max: 80 }).map((cut) => `Bearer ${stack().keys.admin.slice(0, cut)}`),
      fc.constant(null),
    );
    const contentType = fc.constantFrom(
      'text/plain',
      'application/xml',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'application/json; charset=bogus',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/json',
    );
    const extra = fc.record(
      {
        'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'bogus', 'identity'),
        'x-request-id': printable,
        accept: printable,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(authorization, contentType, extra, bodies(validEvent), async (auth, type, headers, body) => {
        const raw = 'json' in body ? JSON.stringify(body.json) : body.raw;
        await probe('POST', '/v1/events', {
          key: null,
          rawBody: raw,
          headers: { ...headers, 'content-type': type, ...(auth === null ? {} : { authorization: auth }) },
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves the known user and its workflow as they were', async () => {
    const user = await stack().call('GET', `/v1/users/${KNOWN_USER}`);
    expect(user.status).toBe(200);
    await eventually('Temporal to answer', async () =>
      (await stack().call('GET', '/readyz')).status === 200 ? true : undefined,
    );
  });
});
