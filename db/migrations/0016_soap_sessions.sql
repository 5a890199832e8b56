CREATE TABLE "soap_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"user_id" uuid NOT NULL,
	"session_version" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "soap_sessions" ADD CONSTRAINT "soap_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "soap_sessions_token_idx" ON "soap_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "soap_sessions_expires_idx" ON "soap_sessions" USING btree ("expires_at");