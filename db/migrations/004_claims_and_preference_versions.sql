-- Idempotency with a pending/applied status. An accepted event id (and a receipt) is first `pending`, claimed by the
-- request that signals it (`claim`), and `applied` only once the workflow has the signal. A repeat of an applied id
-- is a duplicate; a repeat of a pending id is in flight elsewhere (answered 409 + Retry-After), unless the claim is
-- stale (the claiming process died between insert and signal): then the repeat takes the claim over and signals
-- again, which is safe because the workflow drops event ids it has seen. Rows written before this migration were
-- kept only after their signal succeeded: they are applied. For pending rows `accepted_at` is the claim time.
ALTER TABLE events_accepted
  ADD COLUMN status text NOT NULL DEFAULT 'applied' CHECK (status IN ('pending', 'applied')),
  ADD COLUMN claim text,
  ADD CONSTRAINT events_accepted_claim_check CHECK ((status = 'pending') = (claim IS NOT NULL));

ALTER TABLE notification_events
  ADD COLUMN status text NOT NULL DEFAULT 'applied' CHECK (status IN ('pending', 'applied')),
  ADD COLUMN claim text,
  ADD CONSTRAINT notification_events_claim_check CHECK ((status = 'pending') = (claim IS NOT NULL));

-- Incremented by every write, in the same statement: the preference signal carries it so that the workflow can ignore
-- a signal older than one it already applied (two quick changes may be signalled out of order).
ALTER TABLE preferences ADD COLUMN version bigint NOT NULL DEFAULT 0;
