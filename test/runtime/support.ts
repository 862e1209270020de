// Shared by the runtime and end-to-end tests: provider environments pointing at the fake servers, and a log sink.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Env } from '../../activities/delivery';
import type { RuntimeLog } from '../../activities/runtime';
import type { FakeApns } from '../delivery/servers/apns';

export const APNS_TOPIC = 'com.example.tact';

/** The APNs variables of `providersFromEnv`, pointed at the fake server (the CA goes through a file, as in production). */
export function apnsEnv(apns: FakeApns): { env: Env; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tact-runtime-'));
  const caFile = path.join(dir, 'apns-ca.pem');
  fs.writeFileSync(caFile, apns.ca);
  return {
    env: {
      TACT_APNS_KEY: apns.signingKey,
      TACT_APNS_KEY_ID: apns.keyId,
      TACT_APNS_TEAM_ID: apns.teamId,
      TACT_APNS_TOPIC: APNS_TOPIC,
      TACT_APNS_ENVIRONMENT: 'sandbox',
      TACT_APNS_HOST: apns.address,
      TACT_APNS_PORT: String(apns.port),
      TACT_APNS_CA_FILE: caFile,
      TACT_TEMPLATE_REFRESH_MS: '0',
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface LogLine {
  level: string;
  event: string;
  fields: Record<string, string | number | boolean>;
}

export function captureLog(): { log: RuntimeLog; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, log: (level, event, fields) => lines.push({ level, event, fields }) };
}

/** 64 hex characters, like an APNs device token. */
export function iosToken(seed: number): string {
  return seed.toString(16).padStart(4, '0').repeat(16);
}
