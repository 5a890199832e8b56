ALTER TABLE "outbox_messages" DROP CONSTRAINT "outbox_messages_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "user_environments" DROP CONSTRAINT "user_environments_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "user_environments" DROP CONSTRAINT "user_environments_environment_id_environments_id_fk";
--> statement-breakpoint
ALTER TABLE "user_tokens" DROP CONSTRAINT "user_tokens_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_role_id_roles_id_fk";
--> statement-breakpoint
-- A foreign key checks each new row with a query of its own: an import of 100,000 users ran about
-- 570,000 of them (users to roles, memberships to users and environments, invitation links and emails
-- to users), a fifth of its writing. These references are now checked once per statement, over the
-- statement's new rows (COPY included), and fail with a foreign key's error code (23503).
--
-- Users are never deleted (a ban keeps their history) and never change id: the database refuses both,
-- so a reference to a user, once checked, stays good and needs no lock.
CREATE FUNCTION userdesk_users_kept() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION 'users are never deleted or given another id: ban the user instead'
    USING ERRCODE = 'restrict_violation', TABLE = 'users';
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_never_deleted BEFORE DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION userdesk_users_kept();
--> statement-breakpoint
CREATE TRIGGER users_id_kept BEFORE UPDATE OF id ON users
  FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id) EXECUTE FUNCTION userdesk_users_kept();
--> statement-breakpoint
-- The new rows' user_id (null allowed) must name a user. A scalar subquery per row is a primary-key
-- probe; a join could let the planner hash the whole users table for a few rows (see 0025).
CREATE FUNCTION userdesk_check_user_refs() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  missing uuid;
BEGIN
  SELECT n.user_id INTO missing FROM new_rows n
    WHERE n.user_id IS NOT NULL AND (SELECT u.id FROM users u WHERE u.id = n.user_id) IS NULL
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "%" violates its reference to users', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, DETAIL = format('Key (user_id)=(%s) is not present in table "users".', missing);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER user_tokens_refs_insert AFTER INSERT ON user_tokens
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_user_refs();
--> statement-breakpoint
CREATE TRIGGER user_tokens_refs_update AFTER UPDATE ON user_tokens
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_user_refs();
--> statement-breakpoint
CREATE TRIGGER outbox_messages_refs_insert AFTER INSERT ON outbox_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_user_refs();
--> statement-breakpoint
CREATE TRIGGER outbox_messages_refs_update AFTER UPDATE ON outbox_messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_user_refs();
--> statement-breakpoint
CREATE TRIGGER user_environments_refs_update AFTER UPDATE ON user_environments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_user_refs();
--> statement-breakpoint
-- New memberships' users are checked by the membership sync trigger (user_environments_sync), which
-- already probes each one's user: a missing user is a null there.
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  stale uuid[];
  missing uuid;
BEGIN
  SELECT array_agg(DISTINCT p.user_id) FILTER (WHERE NOT p.held), (array_agg(p.user_id) FILTER (WHERE p.held IS NULL))[1]
    INTO stale, missing
    FROM (SELECT i.user_id, (SELECT u.environment_ids @> ARRAY[i.environment_id] FROM users u WHERE u.id = i.user_id) AS held
          FROM inserted_rows i) p;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'insert or update on table "user_environments" violates its reference to users'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'user_environments', DETAIL = format('Key (user_id)=(%s) is not present in table "users".', missing);
  END IF;
  PERFORM userdesk_resync_environment_ids(coalesce(stale, '{}'));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Roles and environments can be deleted, so the rows naming them lock the (few) distinct ones named,
-- as a foreign key would (FOR KEY SHARE): a delete under way makes them wait, then fail; a delete that
-- comes second waits for them, then finds them and fails (roles_in_use, environments_in_use).
CREATE FUNCTION userdesk_check_parent_refs() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  parent text := TG_ARGV[0];
  col text := TG_ARGV[1];
  wanted uuid[];
  present uuid[];
BEGIN
  EXECUTE format('SELECT ARRAY(SELECT DISTINCT %I FROM new_rows)', col) INTO wanted;
  EXECUTE format('SELECT ARRAY(SELECT id FROM %I WHERE id = ANY ($1) FOR KEY SHARE)', parent) INTO present USING wanted;
  IF cardinality(present) < cardinality(wanted) THEN
    RAISE EXCEPTION 'insert or update on table "%" violates its reference to %', TG_TABLE_NAME, parent
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
        DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, (SELECT w FROM unnest(wanted) w WHERE w <> ALL (present) LIMIT 1), parent);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER user_environments_refs_env_insert AFTER INSERT ON user_environments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_parent_refs('environments', 'environment_id');
--> statement-breakpoint
CREATE TRIGGER user_environments_refs_env_update AFTER UPDATE ON user_environments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_parent_refs('environments', 'environment_id');
--> statement-breakpoint
CREATE TRIGGER users_refs_role_insert AFTER INSERT ON users
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION userdesk_check_parent_refs('roles', 'role_id');
--> statement-breakpoint
-- A change of role is checked row by row, and only when the role changes (as a foreign key does): a
-- statement trigger on every update of users would copy the updated rows of every sign-in.
CREATE FUNCTION userdesk_check_role_ref() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM 1 FROM roles WHERE id = NEW.role_id FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'insert or update on table "users" violates its reference to roles'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'users', DETAIL = format('Key (role_id)=(%s) is not present in table "roles".', NEW.role_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_refs_role_update AFTER UPDATE OF role_id ON users
  FOR EACH ROW WHEN (NEW.role_id IS DISTINCT FROM OLD.role_id) EXECUTE FUNCTION userdesk_check_role_ref();
--> statement-breakpoint
CREATE FUNCTION userdesk_parent_unused() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  child text := TG_ARGV[0];
  col text := TG_ARGV[1];
  used boolean;
BEGIN
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', child, col) INTO used USING OLD.id;
  IF used THEN
    RAISE EXCEPTION 'update or delete on table "%" violates its reference from table "%"', TG_TABLE_NAME, child
      USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
        DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, child);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER environments_in_use AFTER DELETE OR UPDATE OF id ON environments
  FOR EACH ROW EXECUTE FUNCTION userdesk_parent_unused('user_environments', 'environment_id');
--> statement-breakpoint
CREATE TRIGGER roles_in_use AFTER DELETE OR UPDATE OF id ON roles
  FOR EACH ROW EXECUTE FUNCTION userdesk_parent_unused('users', 'role_id');
