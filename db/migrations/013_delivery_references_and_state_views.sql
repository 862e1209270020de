-- Closing the duplicate-delivery window (activities/delivery/README.md, "Delivery guarantees per provider").
-- client_reference: the stable id every attempt of this (user, notification, endpoint) sends with its request (APNs
-- apns-id, SMTP Message-ID, SMS idempotency key and client reference); written at the claim, before the request
-- leaves, so a retry after a crash can ask the provider about the earlier attempt by it.
-- send_attempts: how many claims of this entry went on to call the provider; above 1 on a `sent` entry, the
-- provider may have been asked twice (whether the user saw two depends on the provider).
-- provider_message_id (already there) now holds the provider's own id: APNs apns-id as answered, the FCM message
-- name, the SMS sid, the SMTP server's queue id when it gives one (else the Message-ID).
ALTER TABLE delivery_ledger ADD COLUMN client_reference text;
ALTER TABLE delivery_ledger ADD COLUMN send_attempts integer NOT NULL DEFAULT 1;

-- GET /v1/users/{id}/state when the user's workflow is slow to answer (its tasks queue behind ingestion) or Temporal
-- is away: the last view a workflow answered, kept by the API (api/state-views.ts) and served with its age.
CREATE TABLE user_state_views (
  user_id text PRIMARY KEY,
  view jsonb NOT NULL,
  as_of timestamptz NOT NULL
);
