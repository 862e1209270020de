// `npm run reconcile`: one reconciler pass now (docs/ingestion.md "Recovery"), against DATABASE_URL (or the embedded
// database in TACT_DATA_DIR) and TEMPORAL_ADDRESS. Work whose workflow Temporal lost is queued again; a running
// dispatcher (the worker role by default) hands it over.
import { Client, Connection } from '@temporalio/client';
import { IngestQueueRepository } from '../../db/ingest-queue';
import { migrate } from '../../db/migrate';
import { DEFAULT_DATA_DIR, openDatabase } from '../../db/pool';
import { loadWorkerConfig } from '../config';
import { reconcile, workflowRunning } from './reconciler';

async function main(): Promise<void> {
  const env = process.env;
  const config = loadWorkerConfig(env);
  const databaseUrl = env.DATABASE_URL?.trim();
  const database = await openDatabase(
    databaseUrl ? { databaseUrl } : { dataDir: env.TACT_DATA_DIR?.trim() || DEFAULT_DATA_DIR },
  );
  const connection = await Connection.connect({ address: config.address });
  try {
    await migrate(database.pool);
    // Describing a workflow decodes no payload: no codec needed.
    const client = new Client({ connection, namespace: config.namespace });
    const result = await reconcile({
      queue: new IngestQueueRepository(database.pool),
      isRunning: workflowRunning(client),
    });
    process.stdout.write(
      `Reconciled: ${result.checked} user(s) with undecided work, ${result.redrivenUsers} without a running workflow ` +
        `(${result.redrivenRows} item(s) queued again for the dispatcher); ${result.pruned} settled item(s) pruned.\n`,
    );
  } finally {
    await connection.close();
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`reconcile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
