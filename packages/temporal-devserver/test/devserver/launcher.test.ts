// The launcher executable as @temporalio/testing runs it (time-skipping and local), standalone, and its
// argument parsing; plus the test helper every workflow test uses.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLauncherArgs, UsageError } from '../../src/cli-args';
import { listenEarly } from '../../src/early-listener';
import { startDevServer } from '../../src/server';
import { ATTACH_EXECUTABLE, DEFAULT_START_TIMEOUT_MS, launchServer, startTimeoutMs } from '../../src/launch';
import { BUNDLED_SERVER_PATH, createTestEnv, selectedTestServer } from '../../src/testing';
import * as activities from './fixtures/activities';

const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
    logger: silent,
  });
});

describe('launcher arguments', () => {
  it('reads the time-skipping test server form: <port> [...]', () => {
    expect(parseLauncherArgs(['7301', '--search-attribute', 'A=Int'])).toEqual({
      kind: 'serve',
      options: {
        port: 7301,
        host: '127.0.0.1',
        namespaces: [],
        searchAttributes: { A: 'Int' },
        logLevel: 'warn',
        timeSkipping: true,
      },
    });
  });

  it('reads the CLI dev-server form (with its database file) and ignores options that do not apply', () => {
    const args = [
      'server',
      'start-dev',
      '--port',
      '7302',
      '--namespace',
      'default',
      '--ip',
      '127.0.0.1',
      '--log-format',
      'pretty',
      '--log-level',
      'warn',
    ];
    args.push(
      '--dynamic-config-value',
      'frontend.x=true',
      '--headless',
      '--db-filename',
      '/tmp/x.db',
      '--ui-port',
      '8233',
      '--search-attribute',
      'B=KeywordList',
      '--namespace',
      'other',
    );
    expect(parseLauncherArgs(args)).toEqual({
      kind: 'serve',
      options: {
        port: 7302,
        host: '127.0.0.1',
        namespaces: ['default', 'other'],
        searchAttributes: { B: 'KeywordList' },
        logLevel: 'warn',
        timeSkipping: false,
        dbFilename: '/tmp/x.db',
      },
    });
  });

  it('reads the HTTP API and UI flags as the Temporal CLI names them', () => {
    expect(
      parseLauncherArgs([
        '--http-port',
        '7243',
        '--ui-port=8233',
        '--ui-asset-path',
        '/srv/ui',
        '--ui-codec-endpoint',
        'http://127.0.0.1:3000/codec',
      ]),
    ).toMatchObject({
      kind: 'serve',
      options: { httpPort: 7243, uiPort: 8233, uiAssetPath: '/srv/ui', uiCodecEndpoint: 'http://127.0.0.1:3000/codec' },
    });
  });

  it('reads standalone flags, including --flag=value', () => {
    const cmd = parseLauncherArgs([
      '--port=0',
      '-n',
      'a',
      '--search-attribute=C=Datetime',
      '--log-level',
      'DEBUG',
      '--time-skipping',
    ]);
    expect(cmd).toMatchObject({
      kind: 'serve',
      options: {
        port: 0,
        namespaces: ['a'],
        searchAttributes: { C: 'Datetime' },
        logLevel: 'debug',
        timeSkipping: true,
      },
    });
    expect(parseLauncherArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('rejects bad input with a clear message', () => {
    expect(() => parseLauncherArgs(['--port', 'abc'])).toThrow(new UsageError('invalid port: abc'));
    expect(() => parseLauncherArgs(['--search-attribute', 'NoType'])).toThrow(/expects Name=Type/);
    expect(() => parseLauncherArgs(['--search-attribute', 'X=Float'])).toThrow(/Unknown search attribute type: Float/);
    expect(() => parseLauncherArgs(['--bogus'])).toThrow(/unknown argument: --bogus/);
    expect(() => parseLauncherArgs(['--port'])).toThrow(/--port needs a value/);
  });
});

describe('launcher through @temporalio/testing', () => {
  const executable = { type: 'existing-path' as const, path: BUNDLED_SERVER_PATH };

  it('createTimeSkipping: timers skip ahead and workflow time sees it', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'ts',
        workflowBundle: bundle,
        activities,
      });
      const [before, after] = await worker.runUntil(
        env.client.workflow.execute('dateNow', { taskQueue: 'ts', workflowId: 'date-now' }),
      );
      expect(after - before).toBeGreaterThanOrEqual(2 * 3600_000);
      const t0 = await env.currentTimeMs();
      await env.sleep('3 days');
      expect((await env.currentTimeMs()) - t0).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
    } finally {
      await env.teardown();
    }
  });

  it('createLocal: namespaces and search attributes from the CLI arguments', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        namespace: 'tact',
        searchAttributes: [defineSearchAttributeKey('NextSendTime', 'DATETIME')],
      },
    });
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      const sa = await env.connection.operatorService.listSearchAttributes({ namespace: 'tact' });
      expect(sa.customAttributes).toEqual({
        NextSendTime: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
      });
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: 'tact',
        taskQueue: 'local',
        workflowBundle: bundle,
        activities,
      });
      const result = await worker.runUntil(
        env.client.workflow.execute('child', { taskQueue: 'local', workflowId: 'local-1', args: ['x'] }),
      );
      expect(result).toBe('child:x:none');
    } finally {
      await env.teardown();
    }
  });

  it('hands a waiting workflow to a new worker after the first one shuts down', async () => {
    const env = await TestWorkflowEnvironment.createLocal({ server: { executable } });
    try {
      const handle = await env.client.workflow.start('waitForSignals', {
        taskQueue: 'restart',
        workflowId: 'restart-1',
        args: [2],
      });
      const first = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'restart',
        workflowBundle: bundle,
        activities,
      });
      await first.runUntil(async () => {
        await handle.signal('unblock', 'one');
        await expect.poll(() => handle.query('state')).toBe('one');
      });
      await handle.signal('unblock', 'two');
      const second = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'restart',
        workflowBundle: bundle,
        activities,
      });
      expect(await second.runUntil(handle.result())).toEqual(['one', 'two']);
    } finally {
      await env.teardown();
    }
  });
});

describe('launcher standalone', () => {
  it('serves on the port it prints and exits on SIGTERM', async () => {
    const child = spawn(BUNDLED_SERVER_PATH, ['--port', '0', '--namespace', 'extra'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+?)[;\s]/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`launcher exited early with ${code}`)));
      });
      const connection = await Connection.connect({ address });
      const ns = await connection.workflowService.describeNamespace({ namespace: 'extra' });
      expect(ns.namespaceInfo?.name).toBe('extra');
      await connection.close();
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('early listener', () => {
  it('a client connecting before the server has loaded waits and is then served', async () => {
    const listener = await listenEarly('127.0.0.1', 0);
    const connecting = Connection.connect({ address: `127.0.0.1:${listener.port}` });
    // Connected sockets queue on the bound port while nothing serves them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const server = await startDevServer({ listener });
    const connection = await connecting;
    try {
      expect(server.port).toBe(listener.port);
      expect((await connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await connection.close();
      await server.stop();
    }
    expect(listener.server.listening).toBe(false);
  });
});

describe('launchServer: waiting on readiness', () => {
  it('resolves with the address the server prints, and kill() ends it', async () => {
    const server = await launchServer(['--port', '0'], 60_000);
    const connection = await Connection.connect({ address: server.address });
    try {
      expect((await connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await connection.close();
      await server.kill();
    }
    await expect(Connection.connect({ address: server.address, connectTimeout: 2000 })).rejects.toThrow();
  });

  it('fails with the bound and the variable that raises it when no readiness line comes', async () => {
    await expect(launchServer([], 300, ATTACH_EXECUTABLE)).rejects.toThrow(
      /did not start: no "listening on" line within 300 ms \(raise TACT_DEVSERVER_START_TIMEOUT_MS/,
    );
  });

  it('fails at once, saying so, when the server exits before listening', async () => {
    await expect(launchServer(['--bogus'], 60_000)).rejects.toThrow(/exited \(code 2\) before listening/);
  });

  it('reads its bound from TACT_DEVSERVER_START_TIMEOUT_MS', () => {
    expect(startTimeoutMs({})).toBe(DEFAULT_START_TIMEOUT_MS);
    expect(startTimeoutMs({ TACT_DEVSERVER_START_TIMEOUT_MS: '300000' })).toBe(300_000);
    expect(() => startTimeoutMs({ TACT_DEVSERVER_START_TIMEOUT_MS: '5s' })).toThrow(/positive integer/);
  });
});

describe('createTestEnv', () => {
  it('uses the bundled server when TEMPORAL_TEST_SERVER=bundled, and rejects unknown values', async () => {
    const saved = process.env.TEMPORAL_TEST_SERVER;
    try {
      process.env.TEMPORAL_TEST_SERVER = 'bundled';
      expect(selectedTestServer()).toBe('bundled');
      const env = await createTestEnv({
        mode: 'time-skipping',
        searchAttributes: [defineSearchAttributeKey('Budget', 'INT')],
      });
      try {
        const info = await env.connection.workflowService.getSystemInfo({});
        expect(info.serverVersion).toBeTruthy();
        const sa = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
        expect(Object.keys(sa.customAttributes ?? {})).toEqual(['Budget']);
        expect(env.supportsTimeSkipping).toBe(true);
        const t0 = await env.currentTimeMs();
        await env.sleep('1 day');
        expect((await env.currentTimeMs()) - t0).toBeGreaterThanOrEqual(24 * 3600_000);
      } finally {
        await env.teardown();
      }
      // Teardown ends the server createTestEnv started.
      await expect(Connection.connect({ address: env.address, connectTimeout: 2000 })).rejects.toThrow();
      process.env.TEMPORAL_TEST_SERVER = 'docker';
      expect(() => selectedTestServer()).toThrow(/auto, temporal or bundled/);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_TEST_SERVER;
      else process.env.TEMPORAL_TEST_SERVER = saved;
    }
  });
});
