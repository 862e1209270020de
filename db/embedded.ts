// Embedded PostgreSQL: PGlite persisted to a data directory, served on a loopback TCP socket so
// that the rest of Tact reaches it through the same `pg` code path as a real server.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import path from 'node:path';
import { lockDataDir } from './data-dir-lock';

export interface EmbeddedServer {
  host: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedServer(dataDir: string): Promise<EmbeddedServer> {
  const absoluteDir = path.resolve(dataDir);
  const lock = lockDataDir(absoluteDir);
  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create(absoluteDir);
    // PGlite has one backend session, so connections share it. The pool in front holds one
    // connection; the second slot only lets it reconnect while the server still tears down a
    // dropped socket (with a single slot the reconnect is refused with "Too many connections").
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
  const { host, port } = parseServerAddress(server.getServerConn());
  const [openDb, openServer] = [db, server];
  return {
    host,
    port,
    async stop() {
      try {
        await openServer.stop();
        await openDb.close();
      } finally {
        lock.release();
      }
    },
  };
}

function parseServerAddress(conn: string): { host: string; port: number } {
  const separator = conn.lastIndexOf(':');
  const port = Number(conn.slice(separator + 1));
  if (separator < 0 || !Number.isInteger(port) || port <= 0) {
    throw new Error(`unexpected embedded server address: ${conn}`);
  }
  return { host: conn.slice(0, separator), port };
}
