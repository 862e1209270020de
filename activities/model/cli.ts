// `npm run train [-- --activate]`: trains the open model from the notification log, evaluates it on a time-split
// holdout against the prior, stores it as a new version (and activates it with --activate).
// `npm run model -- list | activate <version> | rollback`: shows versions, activates one, or undoes the last
// activation (the one before becomes active again; priors when none).
import { SingleBar } from 'cli-progress';
import { migrate } from '../../db/migrate';
import { OpenModelRepository } from '../../db/open-models';
import { openDatabase } from '../../db/pool';
import type { Evaluation } from './evaluation';
import { trainFromLog } from './training';
import { wallClock } from '../../clock';

const USAGE = `usage:
  npm run train [-- --activate]
  npm run model -- list
  npm run model -- activate <version>
  npm run model -- rollback`;

function describe(e: Evaluation): string {
  return `AUC ${e.auc.toFixed(3)}, log-loss ${e.logLoss.toFixed(4)} (${e.rows} sends, ${e.positives} opened)`;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || !['train', 'list', 'activate', 'rollback'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const db = await openDatabase();
  try {
    await migrate(db.pool);
    const models = new OpenModelRepository(db.pool);
    switch (command) {
      case 'train': {
        const bar = new SingleBar({ format: 'training [{bar}] {value}/{total} Newton steps', hideCursor: true });
        bar.start(25, 0);
        const { version, report } = await trainFromLog(models, wallClock(), (step, of) => {
          bar.setTotal(of);
          bar.update(step);
        }).finally(() => bar.stop());
        console.log(`model v${version}: trained on ${report.trainingRows} sends, holdout ${report.holdoutRows}`);
        console.log(`  model: ${describe(report.evaluation)}`);
        console.log(`  prior: ${describe(report.priorEvaluation)}`);
        console.log('  calibration by decile (predicted → observed):');
        for (const d of report.evaluation.calibration) {
          console.log(
            `    ${(100 * d.predicted).toFixed(1).padStart(5)} % → ${(100 * d.observed).toFixed(1).padStart(5)} %`,
          );
        }
        console.log(
          report.beatsPrior
            ? '  beats the prior on the holdout: it scores once activated'
            : '  does not beat the prior on the holdout: scoring keeps using the prior even if activated',
        );
        if (rest.includes('--activate')) {
          await models.activate(version, wallClock());
          console.log(`  activated v${version}`);
        }
        return 0;
      }
      case 'list': {
        const active = await models.activeVersion();
        for (const m of await models.list<unknown, Evaluation>()) {
          console.log(
            `v${m.version}${m.version === active ? ' (active)' : ''}  ${new Date(m.createdAt).toISOString()}  ` +
              `model ${describe(m.evaluation)}; prior AUC ${m.priorEvaluation.auc.toFixed(3)}` +
              `${m.beatsPrior ? '' : '  [worse than the prior: not used]'}`,
          );
        }
        if (active === null) console.log('active: priors');
        return 0;
      }
      case 'activate': {
        const version = Number(rest[0]);
        if (!Number.isSafeInteger(version) || version <= 0) {
          console.error(`activate needs a version number (see \`npm run model -- list\`), got ${rest[0] ?? 'nothing'}`);
          return 2;
        }
        await models.activate(version, wallClock());
        console.log(`activated v${version}`);
        return 0;
      }
      default: {
        const now = await models.rollback(wallClock());
        console.log(now === null ? 'rolled back: priors score now' : `rolled back: v${now} is active`);
        return 0;
      }
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
