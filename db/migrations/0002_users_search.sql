CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- Lower case without accents, for search. unaccent() itself is not immutable (its dictionary could
-- change); naming the dictionary makes this safe to use in a generated column and its index.
CREATE OR REPLACE FUNCTION userdesk_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "search_text" text GENERATED ALWAYS AS (userdesk_fold("users"."first_name" || ' ' || "users"."last_name" || ' ' || "users"."email")) STORED;--> statement-breakpoint
CREATE INDEX "users_search_trgm_idx" ON "users" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_name_sort_idx" ON "users" USING btree (lower("last_name"),lower("first_name"),"id");--> statement-breakpoint
CREATE INDEX "users_last_sign_in_sort_idx" ON "users" USING btree (coalesce("last_sign_in_at", '-infinity'::timestamptz),"id");--> statement-breakpoint
CREATE INDEX "users_locked_idx" ON "users" USING btree ("locked_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "users"."status" = 'locked';