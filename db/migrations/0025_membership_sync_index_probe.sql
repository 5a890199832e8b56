-- The insert trigger (0020) joined the statement's new memberships to users, and PostgreSQL hashed the
-- whole users table for it: every COPY batch of an import read every user (45 ms at 100,000 users,
-- about 0.4 s at 1,000,000, twenty times per 100,000-row import). A scalar subquery per new membership
-- is a primary-key probe, whatever the table's size.
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM userdesk_resync_environment_ids(ARRAY(
    SELECT DISTINCT i.user_id FROM inserted_rows i
    WHERE NOT coalesce((SELECT u.environment_ids @> ARRAY[i.environment_id] FROM users u WHERE u.id = i.user_id), true)));
  RETURN NULL;
END
$$;
