-- Durable-first ingestion (docs/ingestion.md). The API answers after one write: the accepted event (in full, so it
-- can be re-driven or re-derived) and its idempotency row, and what its user workflow must receive, queued here.
-- A dispatcher hands queued rows to user workflows (signal-with-start) in `seq` order per user and marks them
-- delivered. Rows that carry candidates are kept after delivery until every candidate has its outcome in
-- `decisions`: then the reconciler can re-drive them when Temporal lost the workflow that held them.
ALTER TABLE events_accepted ADD COLUMN event jsonb;

CREATE TABLE ingest_queue (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  -- event: a UserEventSignal; candidates: a CandidatesProposal; profile, preferences: re-read from their tables when
  -- dispatched (the latest stored value wins); devices: {at}.
  kind text NOT NULL CHECK (kind IN ('event', 'candidates', 'profile', 'preferences', 'devices')),
  -- The event id, or the first candidate id (logs and tests; not unique).
  item_id text NOT NULL,
  payload jsonb NOT NULL,
  accepted_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- A dispatcher holds the user's rows until then (it died if it passed: another one takes them over).
  lease_until timestamptz,
  delivered_at timestamptz,
  -- The workflow run the signal reached (signal-with-start's run id): a fresh run re-drives rows delivered to another
  -- chain whose candidates have no outcome yet (the run that held them was lost).
  run_id text,
  -- How often the reconciler re-drove this row to a re-created workflow.
  redriven integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX ingest_queue_undelivered_idx ON ingest_queue (user_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX ingest_queue_undelivered_seq_idx ON ingest_queue (seq) WHERE delivered_at IS NULL;
CREATE INDEX ingest_queue_delivered_idx ON ingest_queue (delivered_at, user_id) WHERE delivered_at IS NOT NULL;
