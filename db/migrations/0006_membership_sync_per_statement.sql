-- The membership trigger (0003) ran once per user_environments row and rewrote users.environment_ids
-- even when it already held the right value (a new row version plus an entry in each of the users'
-- indexes). Now it runs once per statement over the users that statement touched (transition tables)
-- and writes only the users whose value changes. A bulk import that stores environment_ids with the
-- user (sorted, as computed here) thus costs one set-wise check per batch instead of an update per row.
CREATE OR REPLACE FUNCTION userdesk_resync_environment_ids(user_ids uuid[]) RETURNS void
  LANGUAGE sql
  AS $$
  UPDATE users u SET environment_ids = w.ids
  FROM (
    SELECT t.id, ARRAY(SELECT environment_id FROM user_environments ue WHERE ue.user_id = t.id ORDER BY environment_id) AS ids
    FROM unnest(user_ids) AS t(id)
  ) w
  WHERE u.id = w.id AND u.environment_ids IS DISTINCT FROM w.ids;
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM userdesk_resync_environment_ids(ARRAY(SELECT DISTINCT user_id FROM inserted_rows));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_deleted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM userdesk_resync_environment_ids(ARRAY(SELECT DISTINCT user_id FROM deleted_rows));
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_updated() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM userdesk_resync_environment_ids(ARRAY(SELECT user_id FROM inserted_rows UNION SELECT user_id FROM deleted_rows));
  RETURN NULL;
END
$$;--> statement-breakpoint
DROP TRIGGER IF EXISTS user_environments_sync ON user_environments;--> statement-breakpoint
-- The insert trigger keeps the old name: db/seed.ts disables it by that name around its bulk COPY.
CREATE TRIGGER user_environments_sync AFTER INSERT ON user_environments
  REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_sync_environment_ids_inserted();--> statement-breakpoint
CREATE TRIGGER user_environments_sync_delete AFTER DELETE ON user_environments
  REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_sync_environment_ids_deleted();--> statement-breakpoint
CREATE TRIGGER user_environments_sync_update AFTER UPDATE ON user_environments
  REFERENCING NEW TABLE AS inserted_rows OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_sync_environment_ids_updated();--> statement-breakpoint
DROP FUNCTION IF EXISTS userdesk_sync_environment_ids();
