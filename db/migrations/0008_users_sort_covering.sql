-- The sort indexes carry the columns a search tests (and those the sort keys are computed from), so
-- walking one in order is an index-only scan: no table row is read until the page's own 50.
-- (drizzle cannot declare INCLUDE; db/schema.ts names these indexes without it.)
DROP INDEX IF EXISTS "users_name_sort_idx";--> statement-breakpoint
CREATE INDEX "users_name_sort_idx" ON "users" USING btree (lower("last_name"), lower("first_name"), "id")
  INCLUDE ("last_name", "first_name", "search_text", "environment_ids", "role_id", "status");--> statement-breakpoint
DROP INDEX IF EXISTS "users_email_sort_idx";--> statement-breakpoint
CREATE INDEX "users_email_sort_idx" ON "users" USING btree (lower("email"), "id")
  INCLUDE ("email", "search_text", "environment_ids", "role_id", "status");--> statement-breakpoint
DROP INDEX IF EXISTS "users_last_sign_in_sort_idx";--> statement-breakpoint
CREATE INDEX "users_last_sign_in_sort_idx" ON "users" USING btree (coalesce("last_sign_in_at", '-infinity'::timestamptz), "id")
  INCLUDE ("last_sign_in_at", "search_text", "environment_ids", "role_id", "status");
