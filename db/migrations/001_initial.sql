-- Tact's initial schema. Names are unqualified: the connection's search_path picks the schema.
-- Times are timestamptz (millisecond precision in practice: they come from epoch milliseconds).

-- End users, known by an opaque id chosen by the integrating service (never an email or phone).
CREATE TABLE users (
  id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
  time_zone text NOT NULL,
  locale text NOT NULL,
  -- Free-form attributes that campaign segments filter on (`attributes @> '{"plan":"pro"}'`).
  attributes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX users_attributes_idx ON users USING gin (attributes jsonb_path_ops);

CREATE TABLE preferences (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  global_opt_out boolean NOT NULL DEFAULT false,
  opted_out_categories text[] NOT NULL DEFAULT '{}'
    CHECK (opted_out_categories <@ ARRAY['security', 'account', 'social', 'content', 'reminder', 'marketing']),
  opted_out_channels text[] NOT NULL DEFAULT '{}' CHECK (opted_out_channels <@ ARRAY['push', 'email', 'sms']),
  -- Minutes after local midnight; both null means the deployment's default quiet hours.
  quiet_hours_start smallint CHECK (quiet_hours_start BETWEEN 0 AND 1439),
  quiet_hours_end smallint CHECK (quiet_hours_end BETWEEN 0 AND 1439),
  night_delivery boolean NOT NULL DEFAULT false,
  privacy_mode boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL,
  CHECK ((quiet_hours_start IS NULL) = (quiet_hours_end IS NULL))
);

-- Where a user can be reached: push tokens (devices), email addresses and phone numbers.
CREATE TABLE endpoints (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
  platform text CHECK (platform IN ('ios', 'android', 'web')),
  -- Push token, email address or E.164 phone number.
  address text NOT NULL CHECK (length(address) BETWEEN 1 AND 1024),
  active boolean NOT NULL DEFAULT true,
  last_error text,
  deactivated_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((channel = 'push') = (platform IS NOT NULL)),
  CHECK (active = (deactivated_at IS NULL))
);
-- A push token identifies one app install: it belongs to one user at a time.
CREATE UNIQUE INDEX endpoints_push_token_key ON endpoints (address) WHERE channel = 'push';
CREATE UNIQUE INDEX endpoints_user_address_key ON endpoints (user_id, channel, address);
CREATE INDEX endpoints_user_active_idx ON endpoints (user_id, channel) WHERE active;

-- The decision log: exactly one row per candidate outcome.
CREATE TABLE decisions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  candidate_id text NOT NULL,
  category text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('sent', 'suppressed')),
  channel text CHECK (channel IN ('push', 'email', 'sms')),
  reason text,
  detail text,
  decided_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, candidate_id),
  CHECK (
    CASE outcome
      WHEN 'sent' THEN channel IS NOT NULL AND reason IS NULL AND detail IS NULL
      ELSE channel IS NULL AND reason IS NOT NULL
    END
  )
);
CREATE INDEX decisions_user_newest_idx ON decisions (user_id, decided_at DESC, id DESC);
CREATE INDEX decisions_user_outcome_newest_idx ON decisions (user_id, outcome, decided_at DESC, id DESC);
CREATE INDEX decisions_user_reason_newest_idx ON decisions (user_id, reason, decided_at DESC, id DESC)
  WHERE reason IS NOT NULL;
-- Receipts name a notification (the sent candidate's id) without its user.
CREATE INDEX decisions_sent_candidate_idx ON decisions (candidate_id) WHERE outcome = 'sent';

-- One row per notification and endpoint: a retried delivery never sends twice.
CREATE TABLE delivery_ledger (
  notification_id text NOT NULL,
  -- e.g. push:ios:<sha256 of token>; never a raw token.
  endpoint_key text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed_permanent', 'failed_retryable')),
  provider_message_id text,
  error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (notification_id, endpoint_key)
);

-- Receipts and engagement; the first event of each type per notification counts.
CREATE TABLE notification_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id text NOT NULL,
  user_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('delivered', 'opened', 'engaged', 'converted')),
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (notification_id, type)
);
CREATE INDEX notification_events_user_idx ON notification_events (user_id, occurred_at DESC);

-- API keys: only a SHA-256 of the 256-bit secret is stored.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text,
  secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
  scopes text[] NOT NULL
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['events:write', 'users:write', 'users:read', 'admin']),
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Client event ids already accepted, so that a repeated POST /v1/events is applied once.
CREATE TABLE events_accepted (
  user_id text NOT NULL,
  event_id text NOT NULL,
  accepted_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, event_id)
);
CREATE INDEX events_accepted_accepted_at_idx ON events_accepted (accepted_at);

-- Dry-run deliveries (no provider credentials): what would have been sent, with a redacted destination.
CREATE TABLE outbox (
  id text PRIMARY KEY,
  notification_id text NOT NULL,
  user_id text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('push', 'email', 'sms')),
  endpoint_key text NOT NULL,
  destination text NOT NULL,
  -- title, body and, when present, subject, html and data.
  payload jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  created_at timestamptz NOT NULL
);
CREATE INDEX outbox_newest_idx ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_user_newest_idx ON outbox (user_id, created_at DESC, id DESC);
CREATE INDEX outbox_notification_idx ON outbox (notification_id);
