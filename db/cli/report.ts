// `npm run report -- [--by=day|category|template|journey|campaign|variant|channel|source] [--from=YYYY-MM-DD]
// [--to=YYYY-MM-DD]`: the funnel from DATABASE_URL (or the embedded database) as a table, the same numbers as
// GET /v1/reports/funnel. Default: by day, the last 30 UTC days.
import { parseArgs } from 'node:util';
import { wallClock } from '../../clock';
import { FUNNEL_DIMENSIONS, funnelRows, type FunnelDimension } from '../../domain/funnel';
import { MeasurementRepository } from '../measurement';
import { openDatabase } from '../pool';
import { funnelTable } from './report-table';

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { by: { type: 'string', default: 'day' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  if (!FUNNEL_DIMENSIONS.includes(values.by as FunnelDimension)) {
    throw new Error(`--by must be one of ${FUNNEL_DIMENSIONS.join(', ')}`);
  }
  const to = values.to ?? new Date(wallClock()).toISOString().slice(0, 10);
  const from = values.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
  for (const [name, day] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!DATE.test(day) || Number.isNaN(Date.parse(day))) throw new Error(`${name} must be a date, YYYY-MM-DD`);
  }
  if (from > to) throw new Error('--from must not be after --to');
  const db = await openDatabase();
  try {
    const cells = await new MeasurementRepository(db.pool).funnelCells(values.by as FunnelDimension, { from, to });
    const { rows, total } = funnelRows(cells);
    console.log(`tact report: funnel by ${values.by}, ${from} to ${to} (UTC days), ${db.where}\n`);
    console.log(funnelTable(values.by, rows, total));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(`tact report: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
