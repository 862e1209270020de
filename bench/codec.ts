/**
 * Cost of payload encryption (codec/): per payload, per workflow task, and what it does to throughput.
 *   1. encode + decode of typical payloads (an event signal, a send's input, the state view), master and user keys;
 *   2. the Tact worker applying the same events with and without the codec (bundled server, in-memory activities):
 *      codec time per workflow task and signals (billable actions) applied per second;
 *   3. the events benchmark through the API (`npm start`'s stack on embedded PGlite) with and without the codec.
 * Every comparison is measured in the same run; nothing is asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities, createDryRunDeliver, InMemoryDecisionStore } from '../activities';
import { createLogger } from '../api/logger';
import { startTact } from '../api/start';
import { TactUserClient } from '../api/user-client';
import { tactDataConverter } from '../codec/data-converter';
import { generateKeyEntry, parseKeyring } from '../codec/keyring';
import { TactPayloadCodec, type StoredKey, type UserKeyStore } from '../codec/payload-codec';
import { ApiKeyRepository } from '../db/api-keys';
import type { UserEvent } from '../domain/types';
import { startDevServer } from '@tact/temporal-devserver';
import { TACT_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createTactWorker, tactBundleOptions } from '../workers/worker';
import { present } from '../domain/present';
import { wallClock } from '../clock';

const USERS = Number(process.env.BENCH_CODEC_USERS ?? 100);
const EVENTS_PER_USER = Number(process.env.BENCH_CODEC_EVENTS ?? 10);
const API_EVENTS = Number(process.env.BENCH_CODEC_API_EVENTS ?? 2_000);

/** Per-user keys held in memory, for the in-process worker comparison (the API part uses PostgreSQL). */
class MemoryKeyStore implements UserKeyStore {
  private readonly keys = new Map<string, StoredKey>();
  findByUser(userId: string) {
    return Promise.resolve(this.keys.get(userId) ?? null);
  }
  findByKeyId(keyId: string) {
    return Promise.resolve([...this.keys.values()].find((key) => key.keyId === keyId) ?? null);
  }
  insertOrGet(candidate: StoredKey) {
    if (!this.keys.has(candidate.userId)) this.keys.set(candidate.userId, candidate);
    return Promise.resolve(present(this.keys.get(candidate.userId), 'the key just stored'));
  }
  isShredded() {
    return Promise.resolve(false);
  }
}

/**
 * Counts the payloads a codec handles. (Its wall time is not a cost measure: concurrent calls wait for each other on
 * the event loop; the per-payload figures above are.)
 */
class CountingCodec implements PayloadCodec {
  payloads = 0;
  constructor(private readonly inner: PayloadCodec) {}
  async encode(payloads: Payload[], context?: SerializationContext) {
    return this.time(payloads.length, () => this.inner.encode(payloads, context));
  }
  async decode(payloads: Payload[], context?: SerializationContext) {
    return this.time(payloads.length, () => this.inner.decode(payloads, context));
  }
  private async time(count: number, work: () => Promise<Payload[]>) {
    this.payloads += count;
    return work();
  }
}

function newCodec(): TactPayloadCodec {
  return new TactPayloadCodec({
    keyring: parseKeyring(generateKeyEntry('bench'), undefined, 'bench'),
    userKeys: new MemoryKeyStore(),
  });
}

function event(userId: string, i: number): UserEvent {
  return {
    id: `${userId}-e${i}`,
    userId,
    type: i % 5 === 0 ? 'friend_joined' : 'page_view',
    occurredAt: wallClock(),
    properties: { friendId: `f${i}`, friendName: 'Ana Lovelace', page: 'home', email: 'ana@example.org' },
  };
}

/** µs per encode + decode of each sample payload, and of the JSON conversion every payload pays anyway (baseline). */
async function perPayload(): Promise<number> {
  const codec = newCodec();
  let signalUs = 0;
  const samples = {
    'event signal (≈0.3 KB)': event('u-1', 1),
    'send input (≈2 KB)': { candidate: event('u-1', 2), text: 'x'.repeat(1_700) },
    'state view (≈8 KB)': { queue: Array.from({ length: 40 }, (_, i) => event('u-1', i)) },
  };
  console.log('per payload (encode + decode, µs), against the JSON conversion the SDK does anyway (baseline):');
  for (const [name, value] of Object.entries(samples)) {
    const payload = defaultPayloadConverter.toPayload(value);
    const rounds = 2_000;
    const baselineStarted = performance.now();
    for (let i = 0; i < rounds; i += 1) defaultPayloadConverter.fromPayload(defaultPayloadConverter.toPayload(value));
    const baselineUs = ((performance.now() - baselineStarted) * 1000) / rounds;
    console.log(
      `  ${name.padEnd(24)} ${'baseline'.padEnd(10)} ${baselineUs.toFixed(1)} µs (JSON to and from a payload)`,
    );
    for (const [kind, context] of [
      ['master key', undefined],
      ['user key', { type: 'workflow', namespace: 'default', workflowId: 'user:u-1' }],
    ] as const) {
      await codec.decode(await codec.encode([payload], context)); // warm: the user key is created and cached
      const started = performance.now();
      for (let i = 0; i < rounds; i += 1) await codec.decode(await codec.encode([payload], context));
      const us = ((performance.now() - started) * 1000) / rounds;
      console.log(
        `  ${name.padEnd(24)} ${kind.padEnd(10)} ${us.toFixed(1)} µs (${payload.data?.length ?? 0} B; ×${(us / baselineUs).toFixed(1)} baseline)`,
      );
      if (signalUs === 0 && kind === 'user key') signalUs = us;
    }
  }
  return signalUs;
}

async function workerThroughput(withCodec: boolean) {
  const server = await startDevServer({ port: 0, searchAttributes: { ...TACT_SEARCH_ATTRIBUTES }, logLevel: 'warn' });
  // Client and worker share keys (in production through the keyring and the key store): one codec, timed apart.
  const shared = newCodec();
  const workerTimed = withCodec ? new CountingCodec(shared) : undefined;
  const clientTimed = withCodec ? new CountingCodec(shared) : undefined;
  const dataConverter = workerTimed
    ? { ...tactDataConverter(shared), payloadCodecs: [workerTimed] }
    : tactDataConverter(undefined);
  const clientConverter = clientTimed ? { ...tactDataConverter(shared), payloadCodecs: [clientTimed] } : {};
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const taskQueue = `bench-codec-${withCodec ? 'on' : 'off'}`;
  const client = new Client({ connection, dataConverter: clientConverter });
  const users = new TactUserClient(client, { taskQueue });
  const worker = await createTactWorker({
    connection: nativeConnection,
    activities: createActivities({ decisions: new InMemoryDecisionStore(), deliver: createDryRunDeliver() }),
    workflowBundle: await bundleWorkflowCode({
      ...tactBundleOptions(dataConverter),
      logger: new DefaultLogger('WARN'),
    }),
    dataConverter,
    config: { taskQueue, maxCachedWorkflows: USERS + 10 },
  });
  const running = worker.run();
  try {
    const ids = Array.from({ length: USERS }, (_, i) => `codec-${withCodec ? 'on' : 'off'}-${i}`);
    const started = performance.now();
    for (let i = 0; i < EVENTS_PER_USER; i += 1) await Promise.all(ids.map((id) => users.sendEvent(event(id, i))));
    for (const id of ids) {
      for (;;) {
        const state = await users.state(id);
        if (state && state.inboxSize === 0 && state.stats.messagesProcessed >= EVENTS_PER_USER) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    let tasks = 0;
    for (const id of ids) {
      const history = await client.workflow.getHandle(`user:${id}`).fetchHistory();
      tasks += history.events?.filter((e) => e.workflowTaskCompletedEventAttributes).length ?? 0;
    }
    return {
      signalsPerSecond: (USERS * EVENTS_PER_USER) / seconds,
      tasks,
      workerPayloadsPerTask: workerTimed ? workerTimed.payloads / tasks : 0,
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}

async function apiEvents(withCodec: boolean) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-bench-codec-'));
  const tact = await startTact({
    env: { TACT_TEMPORAL: 'bundled', ...(withCodec ? {} : { TACT_CODEC: 'off' }) },
    dataDir,
    port: 0,
    temporalPort: 0,
    print: () => undefined,
    logger: createLogger({ level: 'warn' }),
  });
  try {
    const { key } = await new ApiKeyRepository(tact.database.pool).create({ scopes: ['events:write'] }, wallClock());
    const events = Array.from({ length: API_EVENTS }, (_, n) => event(`api-${n % USERS}`, n));
    const started = performance.now();
    for (let i = 0; i < events.length; i += 500) {
      const response = await fetch(`${tact.apiUrl}/v1/events:batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: events.slice(i, i + 500).map(({ occurredAt: _o, ...rest }) => rest) }),
      });
      if (response.status !== 202) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
    }
    return { acceptedPerSecond: API_EVENTS / ((performance.now() - started) / 1000) };
  } finally {
    await tact.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed by an earlier suite
  }
  const payloadUs = await perPayload();
  const off = await workerThroughput(false);
  const on = await workerThroughput(true);
  console.log(`worker: ${USERS} users × ${EVENTS_PER_USER} events (bundled server, in-memory activities)`);
  console.log(`  without codec: ${off.signalsPerSecond.toFixed(0)} signals/s (${off.tasks} workflow tasks)`);
  console.log(`  with codec:    ${on.signalsPerSecond.toFixed(0)} signals/s (${on.tasks} workflow tasks)`);
  console.log(
    `  codec work per workflow task: ${on.workerPayloadsPerTask.toFixed(1)} payloads ≈ ` +
      `${(on.workerPayloadsPerTask * payloadUs).toFixed(0)} µs (at the signal payload's ${payloadUs.toFixed(0)} µs each)`,
  );
  console.log(`  ratio with/without: ${(on.signalsPerSecond / off.signalsPerSecond).toFixed(2)} of the actions/s`);
  const apiOff = await apiEvents(false);
  const apiOn = await apiEvents(true);
  console.log(`events through the API (${API_EVENTS} in batches of 500, embedded PGlite, per-user keys in it):`);
  console.log(`  without codec: ${apiOff.acceptedPerSecond.toFixed(0)} events/s accepted`);
  console.log(`  with codec:    ${apiOn.acceptedPerSecond.toFixed(0)} events/s accepted`);
  console.log(`  ratio with/without: ${(apiOn.acceptedPerSecond / apiOff.acceptedPerSecond).toFixed(2)}`);
}
