-- Per-user data keys for payload encryption (codec/): each user's Temporal payloads are sealed with their own
-- random key, stored here wrapped (encrypted) under a master key from configuration. Deleting the row makes the
-- user's histories unreadable (crypto-shredding). The key id is random and travels in each payload's metadata.
CREATE TABLE user_data_keys (
  user_id text PRIMARY KEY,
  key_id text NOT NULL UNIQUE CHECK (key_id ~ '^[0-9a-f-]{36}$'),
  master_key_id text NOT NULL,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL
);

-- Keys that were shredded, by their random id only (no user id): a decode can say "shredded" instead of "unknown".
CREATE TABLE shredded_data_keys (
  key_id text PRIMARY KEY,
  shredded_at timestamptz NOT NULL
);

-- Erasures in progress and done, by user id, so DELETE /v1/users/{id} is idempotent and its progress visible.
-- The row keeps only the id and times; it is what lets a repeated request answer "already erased".
CREATE TABLE erasures (
  user_id text PRIMARY KEY,
  requested_at timestamptz NOT NULL,
  completed_at timestamptz,
  -- Anonymized aggregates kept for reports: how many decisions of each outcome/category were removed.
  summary jsonb
);
