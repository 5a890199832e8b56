-- A membership insert changes a user's environment_ids only when it adds an environment the array does
-- not hold yet. Writers that store environment_ids with the user (bulk import, the seeder) therefore
-- cost one primary-key probe per row here, not a re-read of every touched user's memberships.
CREATE OR REPLACE FUNCTION userdesk_sync_environment_ids_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM userdesk_resync_environment_ids(ARRAY(
    SELECT DISTINCT i.user_id FROM inserted_rows i JOIN users u ON u.id = i.user_id
    WHERE NOT (u.environment_ids @> ARRAY[i.environment_id])));
  RETURN NULL;
END
$$;
