-- Measurement (docs/measurement.md): conversion values, conversions and engagement reported without a notification,
-- opt-outs and uninstalls attributed to the notification that preceded them, experiments created through the API, and
-- the funnel's daily rollups, maintained by triggers in the same transaction as the rows they count.

-- A linked conversion may carry a value (e.g. an order total) in an ISO 4217 currency.
ALTER TABLE notification_events
  ADD COLUMN value numeric CHECK (value >= 0),
  ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$'),
  ADD CONSTRAINT notification_events_conversion_value_check
    CHECK ((value IS NULL) = (currency IS NULL) AND (value IS NULL OR type = 'converted'));

-- Windows of attribution, written by each process at start-up from its catalog (`attribution`); one row.
CREATE TABLE attribution_settings (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  open_window interval NOT NULL,
  churn_window interval NOT NULL
);
INSERT INTO attribution_settings (open_window, churn_window) VALUES (interval '24 hours', interval '72 hours');

-- Conversions and engagement reported for a user without a notification id (POST /v1/users/{id}/conversions): every
-- one is kept (experiments count converters among all users, holdout included); `notification_id` names the
-- notification it was attributed to (the last one opened within the open window), or is null.
CREATE TABLE user_conversions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL CHECK (type IN ('engaged', 'converted')),
  occurred_at timestamptz NOT NULL,
  value numeric CHECK (value >= 0),
  currency text CHECK (currency ~ '^[A-Z]{3}$'),
  notification_id text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, event_id),
  CHECK ((value IS NULL) = (currency IS NULL) AND (value IS NULL OR type = 'converted'))
);
CREATE INDEX user_conversions_occurred_idx ON user_conversions (occurred_at, user_id);

-- Opt-outs and push-token invalidations (the uninstall signal), each attributed to the user's last notification sent
-- within the churn window, or to none. Written by the triggers below, whichever path changed the row.
CREATE TABLE churn_signals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('opt_out', 'uninstall')),
  occurred_at timestamptz NOT NULL,
  notification_id text,
  detail text
);
CREATE INDEX churn_signals_user_idx ON churn_signals (user_id, occurred_at DESC);

-- Experiments created through the API (the catalog's are in the catalog): variants with weights.
CREATE TABLE experiments (
  id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,63}$'),
  variants jsonb NOT NULL CHECK (jsonb_typeof(variants) = 'array'),
  description text,
  created_at timestamptz NOT NULL
);

-- The funnel: per UTC day of the decision, dimension (all, category, template, channel, source, journey, campaign,
-- variant) and its key, one count per metric: sent, delivered, opened, engaged, converted, opt_out, uninstall,
-- suppressed:<reason>, and revenue:<currency> (n conversions with a value, amount their sum). Receipts, conversions and
-- churn count on the day their notification was decided, so a day's rates compare like with like. Anonymous, and
-- kept when an erasure deletes the rows they count (like erased_decision_counts).
CREATE TABLE funnel_rollups (
  day date NOT NULL,
  dimension text NOT NULL,
  key text NOT NULL,
  metric text NOT NULL,
  n bigint NOT NULL DEFAULT 0,
  amount numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (dimension, day, key, metric)
);

-- The (dimension, key) pairs one decision counts under.
CREATE FUNCTION tact_funnel_keys(d decisions) RETURNS TABLE (dimension text, key text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT * FROM (VALUES
    ('all', ''),
    ('category', d.category),
    ('template', coalesce(d.template, '(none)')),
    ('channel', coalesce(d.channel, '(none)')),
    ('source', d.source),
    ('journey', CASE WHEN d.source = 'journey' THEN split_part(coalesce(d.source_id, '(none)'), ':', 1) END),
    ('campaign', CASE WHEN d.source = 'campaign' THEN coalesce(d.source_id, '(none)') END),
    ('variant', CASE WHEN d.experiment IS NOT NULL THEN d.experiment || '/' || coalesce(d.variant, '(none)') END)
  ) AS k (dimension, key)
  WHERE k.key IS NOT NULL
$$;

CREATE FUNCTION tact_funnel_add(d decisions, metric text, n bigint, amount numeric) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO funnel_rollups AS r (day, dimension, key, metric, n, amount)
  SELECT (d.decided_at AT TIME ZONE 'UTC')::date, k.dimension, k.key, metric, n, amount
  FROM tact_funnel_keys(d) AS k
  ORDER BY k.dimension
  ON CONFLICT (dimension, day, key, metric) DO UPDATE SET n = r.n + EXCLUDED.n, amount = r.amount + EXCLUDED.amount
$$;

-- A new decision: its outcome, and (a send logged after its receipts arrived) the receipts already there.
CREATE FUNCTION tact_funnel_decision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  e record;
BEGIN
  IF NEW.outcome = 'sent' THEN
    PERFORM tact_funnel_add(NEW, 'sent', 1, 0);
    FOR e IN
      SELECT type, value, currency FROM notification_events
      WHERE notification_id = NEW.candidate_id AND user_id = NEW.user_id AND status = 'applied'
    LOOP
      PERFORM tact_funnel_add(NEW, e.type, 1, 0);
      IF e.value IS NOT NULL THEN PERFORM tact_funnel_add(NEW, 'revenue:' || e.currency, 1, e.value); END IF;
    END LOOP;
  ELSE
    PERFORM tact_funnel_add(NEW, 'suppressed:' || NEW.reason, 1, 0);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER decisions_funnel AFTER INSERT ON decisions FOR EACH ROW EXECUTE FUNCTION tact_funnel_decision();

-- A receipt counts once it is applied (a pending claim may still be released); the sent decision gives its keys.
CREATE FUNCTION tact_funnel_receipt() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d decisions;
BEGIN
  IF NEW.status <> 'applied' OR (TG_OP = 'UPDATE' AND OLD.status = 'applied') THEN RETURN NULL; END IF;
  SELECT * INTO d FROM decisions
  WHERE user_id = NEW.user_id AND candidate_id = NEW.notification_id AND outcome = 'sent';
  IF FOUND THEN
    PERFORM tact_funnel_add(d, NEW.type, 1, 0);
    IF NEW.value IS NOT NULL THEN PERFORM tact_funnel_add(d, 'revenue:' || NEW.currency, 1, NEW.value); END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER notification_events_funnel AFTER INSERT OR UPDATE OF status ON notification_events
  FOR EACH ROW EXECUTE FUNCTION tact_funnel_receipt();

-- An attributed conversion's value (its count comes from the receipt row the repository adds for it).
CREATE FUNCTION tact_funnel_conversion() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d decisions;
BEGIN
  IF NEW.notification_id IS NULL OR NEW.value IS NULL THEN RETURN NULL; END IF;
  SELECT * INTO d FROM decisions
  WHERE user_id = NEW.user_id AND candidate_id = NEW.notification_id AND outcome = 'sent';
  IF FOUND THEN PERFORM tact_funnel_add(d, 'revenue:' || NEW.currency, 1, NEW.value); END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER user_conversions_funnel AFTER INSERT ON user_conversions
  FOR EACH ROW EXECUTE FUNCTION tact_funnel_conversion();

-- An opt-out or uninstall: attributed to the last send within the churn window before it, and counted there.
CREATE FUNCTION tact_churn(user_id text, kind text, at timestamptz, detail text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  d decisions;
  attributed boolean;
BEGIN
  SELECT * INTO d FROM decisions AS s
  WHERE s.user_id = tact_churn.user_id AND s.outcome = 'sent' AND s.decided_at <= at
    AND s.decided_at > at - (SELECT churn_window FROM attribution_settings)
  ORDER BY s.decided_at DESC, s.id DESC LIMIT 1;
  attributed := FOUND;
  INSERT INTO churn_signals (user_id, kind, occurred_at, notification_id, detail)
  VALUES (tact_churn.user_id, kind, at, CASE WHEN attributed THEN d.candidate_id END, detail);
  IF attributed THEN PERFORM tact_funnel_add(d, kind, 1, 0); END IF;
END
$$;

CREATE FUNCTION tact_churn_preferences() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  added text[];
BEGIN
  IF NEW.global_opt_out AND (TG_OP = 'INSERT' OR NOT OLD.global_opt_out) THEN
    PERFORM tact_churn(NEW.user_id, 'opt_out', NEW.updated_at, 'all');
    RETURN NULL;
  END IF;
  added := ARRAY(
    SELECT unnest(NEW.opted_out_categories)
    EXCEPT SELECT unnest(CASE WHEN TG_OP = 'UPDATE' THEN OLD.opted_out_categories ELSE '{}'::text[] END)
  );
  IF cardinality(added) > 0 THEN
    PERFORM tact_churn(NEW.user_id, 'opt_out', NEW.updated_at, array_to_string(added, ','));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER preferences_churn AFTER INSERT OR UPDATE ON preferences
  FOR EACH ROW EXECUTE FUNCTION tact_churn_preferences();

-- A push token deactivated by its provider (unregistered, invalid) is the uninstall signal.
CREATE FUNCTION tact_churn_endpoints() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.channel = 'push' AND OLD.active AND NOT NEW.active THEN
    PERFORM tact_churn(NEW.user_id, 'uninstall', NEW.deactivated_at, NEW.platform);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER endpoints_churn AFTER UPDATE OF active ON endpoints
  FOR EACH ROW EXECUTE FUNCTION tact_churn_endpoints();
