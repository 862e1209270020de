-- The trained open model (docs/learning.md): what a sent notification was, so the model can learn from the log, and
-- which model scored it; versioned models with their holdout evaluation; and the activation history.
-- (The template is in the provenance columns of migration 006.)
ALTER TABLE decisions
  ADD COLUMN business_value real CHECK (business_value BETWEEN 0 AND 1),
  ADD COLUMN candidate_created_at timestamptz,
  -- 'prior' or 'model:<version>': who scored the candidate when it was sent.
  ADD COLUMN scored_by text;

CREATE TABLE open_models (
  version integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at timestamptz NOT NULL,
  -- Logistic regression: feature names, standardization and weights.
  params jsonb NOT NULL,
  training_rows integer NOT NULL,
  -- AUC, log-loss and calibration by decile on the time-split holdout, for the model and for the prior.
  evaluation jsonb NOT NULL,
  prior_evaluation jsonb NOT NULL,
  -- The model's log-loss beat the prior's on the holdout: only then does scoring use it.
  beats_prior boolean NOT NULL
);

-- The newest activation not rolled back is the active model; none means priors. A rollback marks the newest one
-- rolled back, so repeated rollbacks walk back through the history.
CREATE TABLE open_model_activations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  version integer NOT NULL REFERENCES open_models (version),
  activated_at timestamptz NOT NULL,
  rolled_back_at timestamptz
);
