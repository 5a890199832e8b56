ALTER TABLE "users" ADD COLUMN "environment_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE users SET environment_ids = ARRAY(
    SELECT environment_id FROM user_environments WHERE user_id = COALESCE(NEW.user_id, OLD.user_id) ORDER BY environment_id
  ) WHERE id = COALESCE(NEW.user_id, OLD.user_id);
  IF TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id THEN
    UPDATE users SET environment_ids = ARRAY(
      SELECT environment_id FROM user_environments WHERE user_id = OLD.user_id ORDER BY environment_id
    ) WHERE id = OLD.user_id;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER user_environments_sync AFTER INSERT OR UPDATE OR DELETE ON user_environments
  FOR EACH ROW EXECUTE FUNCTION userdesk_sync_environment_ids();--> statement-breakpoint
UPDATE users u SET environment_ids = ARRAY(
  SELECT environment_id FROM user_environments ue WHERE ue.user_id = u.id ORDER BY environment_id
);
