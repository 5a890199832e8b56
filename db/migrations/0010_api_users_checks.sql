-- A user-scoped key names its user; other scopes name none. Rate limits are positive.
ALTER TABLE "api_users" ADD CONSTRAINT "api_users_scope_user_check" CHECK (("scope" = 'user') = ("user_id" IS NOT NULL));--> statement-breakpoint
ALTER TABLE "api_users" ADD CONSTRAINT "api_users_rate_limit_check" CHECK ("rate_limit_per_minute" BETWEEN 1 AND 100000);
