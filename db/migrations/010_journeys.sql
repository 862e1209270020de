-- Journeys (journeys/README.md): one row per run, for GET /v1/journeys; decisions name the journey and the step
-- that proposed the candidate. Rows go with their user at erasure (db/user-data.ts).
CREATE TABLE journey_runs (
  run_id text PRIMARY KEY,
  journey text NOT NULL CHECK (journey ~ '^[a-z][a-z0-9_]{0,63}$'),
  version integer NOT NULL CHECK (version >= 1),
  user_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('event', 'api', 'campaign')),
  enrolled_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('completed', 'opted_out') OR end_reason LIKE 'exit:%'),
  converted boolean NOT NULL DEFAULT false,
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX journey_runs_journey_idx ON journey_runs (journey, end_reason);
CREATE INDEX journey_runs_user_idx ON journey_runs (user_id);

ALTER TABLE decisions
  ADD COLUMN journey text,
  ADD COLUMN journey_step text;
CREATE INDEX decisions_journey_idx ON decisions (journey, outcome, reason) WHERE journey IS NOT NULL;
