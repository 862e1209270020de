// One process at a time may open an embedded data directory: two PGlite instances writing the
// same files would corrupt them. The lock is a file holding the owner's pid; a lock left by a
// process that no longer runs is taken over.
import fs from 'node:fs';
import path from 'node:path';

const LOCK_FILE = 'tact.lock';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(
      `the embedded database in ${dataDir} is already open in process ${ownerPid}; ` +
        'stop that process, use another TACT_DATA_DIR, or set DATABASE_URL to share a PostgreSQL server',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const owner = String(process.pid);
  if (!tryCreate(lockPath, owner)) {
    const existing = readOwner(lockPath);
    if (existing !== null && isRunning(existing)) throw new DataDirInUseError(dataDir, existing);
    fs.rmSync(lockPath, { force: true });
    // Another process may have taken over the stale lock between our check and now.
    if (!tryCreate(lockPath, owner)) throw new DataDirInUseError(dataDir, readOwner(lockPath) ?? -1);
  }
  return {
    release() {
      if (readOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
    },
  };
}

function tryCreate(lockPath: string, content: string): boolean {
  try {
    fs.writeFileSync(lockPath, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function readOwner(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
