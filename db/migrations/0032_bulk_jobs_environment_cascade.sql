ALTER TABLE "bulk_jobs" DROP CONSTRAINT "bulk_jobs_environment_id_environments_id_fk";
--> statement-breakpoint
ALTER TABLE "bulk_jobs" ADD CONSTRAINT "bulk_jobs_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;