-- Segments, campaigns, scheduled rules and the deployment-wide send rate (docs/campaigns.md).

-- Segment filters (db/segments.ts) read these columns; attribute equality uses the GIN index of migration 001.
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE INDEX users_time_zone_idx ON users (time_zone);
CREATE INDEX users_locale_idx ON users (locale);
CREATE INDEX user_sessions_last_at_idx ON user_sessions (last_at);
CREATE INDEX endpoints_platform_user_idx ON endpoints (platform, user_id) WHERE active;
CREATE INDEX endpoints_channel_user_idx ON endpoints (channel, user_id) WHERE active;

-- Named segments: a validated filter (domain/segment.ts), stored as received after validation.
CREATE TABLE segments (
  name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  filter jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object'),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- A campaign: its spec (the segment's filter as resolved when it was created, message, send time, TTL, rate) and its
-- lifecycle, which its workflow (workflows/campaign/) writes as it moves.
CREATE TABLE campaigns (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,127}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  source text NOT NULL CHECK (source IN ('campaign', 'schedule')),
  spec jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
  status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  -- Segment members counted when the fan-out began (for the ETA).
  segment_size integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Every user a campaign reached for: one row per user and campaign, so nobody is targeted twice. `targeted` is written
-- before the user's workflow is signalled and `handed_over` after; a retried page re-signals only `targeted` rows
-- (idempotent: the candidate id is fixed per campaign and user). `late`: reached after the delivery window and skipped.
CREATE TABLE campaign_targets (
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('targeted', 'handed_over', 'late')),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_targets_user_idx ON campaign_targets (user_id);

-- Campaign progress reads the decisions of one campaign.
CREATE INDEX decisions_source_id_idx ON decisions (source_id, source) WHERE source IN ('campaign', 'schedule');

-- Recurring campaigns on Temporal Schedules: the rule as created (the schedule holds its paused state and history).
CREATE TABLE scheduled_rules (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  spec jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
  created_at timestamptz NOT NULL
);

-- The deployment-wide send rate per provider (db/send-rate.ts): one token bucket per provider, shared by every worker.
CREATE TABLE send_rate_buckets (
  provider text PRIMARY KEY,
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL
);
