// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
import { migrate } from '../migrate';
import { openDatabase } from '../pool';

async function main(): Promise<void> {
  const db = await openDatabase();
  try {
    console.log(`tact migrate: ${db.where}`);
    const result = await migrate(db.pool);
    for (const migration of result.applied) {
      console.log(`  applied ${String(migration.version).padStart(3, '0')}_${migration.name}`);
    }
    console.log(
      result.applied.length === 0
        ? `tact migrate: up to date (${result.alreadyApplied} already applied)`
        : `tact migrate: applied ${result.applied.length}, ${result.alreadyApplied} already applied`,
    );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(`tact migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
