// Versioned open models (migration 007): store a trained model with its evaluation, activate a version, roll back to
// the one active before, and read the training log (sent notifications with their receipts and context).
import type { Category, Channel, EpochMs, Probability } from '../domain/types';
import { toDate, toEpochMs, type Queryable } from './sql';
import { nth } from '../domain/present';
import { probability } from '../domain/units';

export interface StoredModel<P = unknown, E = unknown> {
  version: number;
  createdAt: EpochMs;
  params: P;
  trainingRows: number;
  evaluation: E;
  priorEvaluation: E;
  beatsPrior: boolean;
}

/** One sent notification as the model learns from it. */
export interface LoggedSend {
  userId: string;
  candidateId: string;
  category: Category;
  channel: Channel;
  sentAt: EpochMs;
  template: string;
  businessValue: Probability;
  candidateCreatedAt: EpochMs;
  openedAt?: EpochMs;
  timeZone: string;
  userSince: EpochMs;
}

interface ModelRow {
  version: number;
  created_at: Date;
  params: unknown;
  training_rows: number;
  evaluation: unknown;
  prior_evaluation: unknown;
  beats_prior: boolean;
}

function fromRow<P, E>(row: ModelRow): StoredModel<P, E> {
  return {
    version: row.version,
    createdAt: toEpochMs(row.created_at),
    params: row.params as P,
    trainingRows: row.training_rows,
    evaluation: row.evaluation as E,
    priorEvaluation: row.prior_evaluation as E,
    beatsPrior: row.beats_prior,
  };
}

export class UnknownModelError extends Error {
  constructor(readonly version: number) {
    super(`no open model version ${version}`);
    this.name = 'UnknownModelError';
  }
}

export class OpenModelRepository {
  constructor(private readonly db: Queryable) {}

  async store<P, E>(model: Omit<StoredModel<P, E>, 'version'>): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>(
      `INSERT INTO open_models (created_at, params, training_rows, evaluation, prior_evaluation, beats_prior)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING version`,
      [
        toDate(model.createdAt),
        JSON.stringify(model.params),
        model.trainingRows,
        JSON.stringify(model.evaluation),
        JSON.stringify(model.priorEvaluation),
        model.beatsPrior,
      ],
    );
    return nth(rows, 0).version;
  }

  async get<P, E>(version: number): Promise<StoredModel<P, E> | null> {
    const { rows } = await this.db.query<ModelRow>('SELECT * FROM open_models WHERE version = $1', [version]);
    return rows[0] === undefined ? null : fromRow<P, E>(rows[0]);
  }

  async list<P, E>(): Promise<StoredModel<P, E>[]> {
    const { rows } = await this.db.query<ModelRow>('SELECT * FROM open_models ORDER BY version');
    return rows.map((r) => fromRow<P, E>(r));
  }

  /** The active version, or null (priors). */
  async activeVersion(): Promise<number | null> {
    const { rows } = await this.db.query<{ version: number }>(
      'SELECT version FROM open_model_activations WHERE rolled_back_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    return rows[0]?.version ?? null;
  }

  async active<P, E>(): Promise<StoredModel<P, E> | null> {
    const version = await this.activeVersion();
    return version === null ? null : this.get<P, E>(version);
  }

  async activate(version: number, at: EpochMs): Promise<void> {
    if ((await this.get(version)) === null) throw new UnknownModelError(version);
    await this.db.query('INSERT INTO open_model_activations (version, activated_at) VALUES ($1, $2)', [
      version,
      toDate(at),
    ]);
  }

  /** Undoes the newest activation: the one before becomes active again (priors when none). Returns it. */
  async rollback(at: EpochMs): Promise<number | null> {
    await this.db.query(
      `UPDATE open_model_activations SET rolled_back_at = $1
        WHERE id = (SELECT max(id) FROM open_model_activations WHERE rolled_back_at IS NULL)`,
      [toDate(at)],
    );
    return this.activeVersion();
  }

  /** Every send with its context and first open, oldest first (sends logged before migration 007 lack the context). */
  async sendsForTraining(): Promise<LoggedSend[]> {
    const { rows } = await this.db.query<{
      user_id: string;
      candidate_id: string;
      category: Category;
      channel: Channel;
      decided_at: Date;
      template: string;
      business_value: number;
      candidate_created_at: Date;
      opened_at: Date | null;
      time_zone: string | null;
      user_since: Date | null;
    }>(
      `SELECT d.user_id, d.candidate_id, d.category, d.channel, d.decided_at, d.template, d.business_value,
              d.candidate_created_at, u.time_zone, u.created_at AS user_since,
              (SELECT min(e.occurred_at) FROM notification_events e
                WHERE e.notification_id = d.candidate_id AND e.user_id = d.user_id
                  AND e.type IN ('opened', 'engaged', 'converted')) AS opened_at
         FROM decisions d LEFT JOIN users u ON u.id = d.user_id
        WHERE d.outcome = 'sent' AND d.template IS NOT NULL AND d.business_value IS NOT NULL
        ORDER BY d.decided_at, d.id`,
    );
    return rows.map((r) => ({
      userId: r.user_id,
      candidateId: r.candidate_id,
      category: r.category,
      channel: r.channel,
      sentAt: toEpochMs(r.decided_at),
      template: r.template,
      businessValue: probability(Number(r.business_value)),
      candidateCreatedAt: toEpochMs(r.candidate_created_at),
      timeZone: r.time_zone ?? 'UTC',
      userSince: r.user_since === null ? toEpochMs(r.decided_at) : toEpochMs(r.user_since),
      ...(r.opened_at === null ? {} : { openedAt: toEpochMs(r.opened_at) }),
    }));
  }
}
