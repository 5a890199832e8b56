CREATE TYPE "public"."bulk_job_status" AS ENUM('queued', 'running', 'done', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "bulk_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid NOT NULL,
	"created_by_label" text NOT NULL,
	"environment_id" uuid NOT NULL,
	"operation" jsonb NOT NULL,
	"filter" jsonb NOT NULL,
	"read_at" timestamp with time zone NOT NULL,
	"status" "bulk_job_status" DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"problems" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"batches" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"run_id" uuid,
	"message" text,
	"ip" text,
	"user_agent" text,
	"heartbeat_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bulk_jobs" ADD CONSTRAINT "bulk_jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bulk_jobs" ADD CONSTRAINT "bulk_jobs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bulk_jobs_runnable_idx" ON "bulk_jobs" USING btree ("created_at") WHERE "bulk_jobs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "bulk_jobs_one_active_idx" ON "bulk_jobs" USING btree ("created_by") WHERE "bulk_jobs"."status" in ('queued', 'running');