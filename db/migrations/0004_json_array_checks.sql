-- JSON columns hold the shape the code reads: a list of tags is a JSON array, a profile an object.
-- An older seeder wrote {} for empty tag lists, which broke /users (tags.map is not a function):
-- repair such rows first (an object's keys become Name=Value tags), then make the database refuse them.
UPDATE "users" SET "tags" = CASE
    WHEN jsonb_typeof("tags") = 'object' THEN (
      SELECT coalesce(jsonb_agg(jsonb_build_object('name', e.key, 'value', e.value #>> '{}') ORDER BY e.key), '[]'::jsonb)
      FROM jsonb_each("tags") AS e
    )
    ELSE '[]'::jsonb
  END
  WHERE jsonb_typeof("tags") <> 'array';--> statement-breakpoint
UPDATE "users" SET "profile" = '{}'::jsonb WHERE jsonb_typeof("profile") <> 'object';--> statement-breakpoint
UPDATE "roles" SET "required_fields" = '[]'::jsonb WHERE jsonb_typeof("required_fields") <> 'array';--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tags_is_array" CHECK (jsonb_typeof("tags") = 'array');--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_profile_is_object" CHECK (jsonb_typeof("profile") = 'object');--> statement-breakpoint
ALTER TABLE "roles" ADD CONSTRAINT "roles_required_fields_is_array" CHECK (jsonb_typeof("required_fields") = 'array');
