-- Privacy (docs/privacy.md). Per-user data keys for payload encryption (codec/): each user's Temporal payloads are sealed with their own
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

-- Erasures requested and done (DELETE /v1/users/{id}), keyed by a SHA-256 of the user id, not the id itself: the
-- receipt that an erasure ran, which no longer names the user.
CREATE TABLE erasures (
  subject_hash text PRIMARY KEY CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
  requested_at timestamptz NOT NULL,
  completed_at timestamptz,
  -- Counts only: rows deleted per table, workflows ended, whether a key was shredded.
  summary jsonb
);

-- What erased users' decisions leave for reports: anonymous counts per day, category, outcome, reason and channel.
CREATE TABLE erased_decision_counts (
  day date NOT NULL,
  category text NOT NULL,
  outcome text NOT NULL,
  reason text NOT NULL DEFAULT '',
  channel text NOT NULL DEFAULT '',
  decisions integer NOT NULL CHECK (decisions > 0),
  PRIMARY KEY (day, category, outcome, reason, channel)
);
