// The package's public surface: start the server in-process, or launch its executable.
import * as path from 'node:path';

export { startDevServer, type DevServer, type DevServerOptions, type SearchAttributeType } from './server';
export type { LogLevel } from './logger';

/** The launcher executable (a Node script), e.g. for @temporalio/testing's `existing-path` server. */
export const DEV_SERVER_EXECUTABLE = path.resolve(__dirname, '../bin/tact-temporal-dev');
