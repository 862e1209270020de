-- The delivery ledger belongs to one user's notification. Candidate ids are unique per user only, so keyed by
-- (notification, endpoint) alone, a second user's notification with the same id to the same endpoint (an email
-- address or a device that changed hands) was taken for a send already made. Entries written before this
-- migration keep an empty user id: they are history, no longer matched by new claims.
ALTER TABLE delivery_ledger ADD COLUMN user_id text NOT NULL DEFAULT '';
ALTER TABLE delivery_ledger ALTER COLUMN user_id DROP DEFAULT;
ALTER TABLE delivery_ledger DROP CONSTRAINT delivery_ledger_pkey;
ALTER TABLE delivery_ledger ADD CONSTRAINT delivery_ledger_pkey PRIMARY KEY (notification_id, user_id, endpoint_key);
