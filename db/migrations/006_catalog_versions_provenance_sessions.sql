-- Categories are data (the deployment's catalog, docs/catalog.md): no list of them in the schema.
ALTER TABLE preferences DROP CONSTRAINT IF EXISTS preferences_opted_out_categories_check;
ALTER TABLE preferences ADD CONSTRAINT preferences_opted_out_categories_names
  CHECK (array_to_string(opted_out_categories, ',') ~ '^([a-z][a-z0-9_]*(,[a-z][a-z0-9_]*)*)?$');

-- Every catalog/policy version a process has run with: its content hash, its content, and when it became current
-- (the newest activation is current; workflows adopt a version whose activation is newer than theirs).
CREATE TABLE config_versions (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  content jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object'),
  created_at timestamptz NOT NULL,
  activated_at timestamptz NOT NULL
);
CREATE INDEX config_versions_activated_idx ON config_versions (activated_at DESC);

-- Provenance of every decision: where its candidate came from, its template, experiment and variant, and the
-- version it was decided under.
ALTER TABLE decisions
  ADD COLUMN source text CHECK (source IN ('event', 'api', 'journey', 'campaign', 'schedule')),
  ADD COLUMN source_id text,
  ADD COLUMN template text,
  ADD COLUMN experiment text,
  ADD COLUMN variant text,
  ADD COLUMN config_version text;
-- Rows written before provenance: every candidate then came from an event through the default rules, with the id
-- `<event id>:<rule index>`; the index names the rule, hence the template (domain/triggers.ts DEFAULT_TRIGGERS).
UPDATE decisions SET
  source = 'event',
  source_id = CASE WHEN candidate_id ~ ':[0-9]+$' THEN regexp_replace(candidate_id, ':[0-9]+$', '') END,
  template = CASE substring(candidate_id FROM ':([0-9]+)$')
    WHEN '0' THEN 'password_reset'
    WHEN '1' THEN 'login_new_device'
    WHEN '2' THEN 'payment_failed'
    WHEN '3' THEN 'subscription_renewed'
    WHEN '4' THEN 'friend_joined'
    WHEN '5' THEN 'comment_reply'
    WHEN '6' THEN 'new_content'
    WHEN '7' THEN 'streak_at_risk'
    WHEN '8' THEN 'cart_abandoned'
    WHEN '9' THEN 'promo_available'
  END
WHERE source IS NULL;
ALTER TABLE decisions ALTER COLUMN source SET NOT NULL;
CREATE INDEX decisions_user_source_newest_idx ON decisions (user_id, source, decided_at DESC, id DESC);
CREATE INDEX decisions_user_template_newest_idx ON decisions (user_id, template, decided_at DESC, id DESC);
CREATE INDEX decisions_experiment_idx ON decisions (experiment, variant) WHERE experiment IS NOT NULL;

-- App sessions and engagement events, aggregated per user (domain/engagement.ts): hour-of-week counts decayed to
-- updated_at, the newest engagement, and how many were counted. The user workflow receives the row with the
-- results of activities it runs anyway; no Temporal action per session.
CREATE TABLE user_sessions (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  counts jsonb NOT NULL CHECK (jsonb_typeof(counts) = 'array'),
  updated_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  sessions bigint NOT NULL CHECK (sessions > 0)
);
