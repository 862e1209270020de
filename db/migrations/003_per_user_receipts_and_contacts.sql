-- Receipts belong to one user's notification. Candidate ids are unique per user only (they derive from client
-- event ids, which are unique per user), so two users may each have a notification `evt-1:0`: keyed by the id
-- alone, the second user's receipt was taken for a duplicate of the first's. Notification id first, so that
-- lookups by id alone and the decision log's join on (id, user) share the index.
ALTER TABLE notification_events DROP CONSTRAINT notification_events_notification_id_type_key;
ALTER TABLE notification_events
  ADD CONSTRAINT notification_events_notification_user_type_key UNIQUE (notification_id, user_id, type);

-- A user has at most one email address and one phone number (PUT /v1/users/{id}/endpoints/{email|sms} replaces
-- it); push keeps one row per device. Earlier rows beyond the newest per user and channel are dropped first.
DELETE FROM endpoints AS older
WHERE older.channel <> 'push'
  AND EXISTS (
    SELECT 1 FROM endpoints AS newer
    WHERE newer.user_id = older.user_id AND newer.channel = older.channel
      AND (newer.updated_at, newer.id) > (older.updated_at, older.id)
  );
CREATE UNIQUE INDEX endpoints_user_contact_key ON endpoints (user_id, channel) WHERE channel <> 'push';
