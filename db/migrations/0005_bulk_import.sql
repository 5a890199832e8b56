CREATE TYPE "public"."import_row_kind" AS ENUM('new', 'update', 'skip', 'error');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('validated', 'queued', 'running', 'done', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "import_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"created_by" uuid NOT NULL,
	"created_by_label" text NOT NULL,
	"source" text NOT NULL,
	"status" "import_status" DEFAULT 'validated' NOT NULL,
	"existing" text DEFAULT 'skip' NOT NULL,
	"environment_id" uuid,
	"all_or_nothing" boolean DEFAULT false NOT NULL,
	"send_invitations" boolean DEFAULT true NOT NULL,
	"headers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"new_count" integer DEFAULT 0 NOT NULL,
	"update_count" integer DEFAULT 0 NOT NULL,
	"skip_count" integer DEFAULT 0 NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"next_row" integer DEFAULT 0 NOT NULL,
	"rows_done" integer DEFAULT 0 NOT NULL,
	"created_count" integer DEFAULT 0 NOT NULL,
	"updated_count" integer DEFAULT 0 NOT NULL,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"error" text,
	"ip" text,
	"user_agent" text,
	"heartbeat_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "import_rows" (
	"job_id" uuid NOT NULL,
	"row_no" integer NOT NULL,
	"cells" json NOT NULL,
	"kind" "import_row_kind" NOT NULL,
	"data" json,
	"errors" jsonb,
	"outcome" text,
	"message" text,
	CONSTRAINT "import_rows_job_id_row_no_pk" PRIMARY KEY("job_id","row_no")
);
--> statement-breakpoint
ALTER TABLE "import_jobs" ADD CONSTRAINT "import_jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rows" ADD CONSTRAINT "import_rows_job_id_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."import_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_jobs_created_idx" ON "import_jobs" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "import_jobs_runnable_idx" ON "import_jobs" USING btree ("created_at") WHERE "import_jobs"."status" in ('queued', 'running');