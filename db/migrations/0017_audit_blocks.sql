CREATE TABLE "audit_blocks" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"event_ids" bigint[] NOT NULL,
	"digests" "bytea" NOT NULL,
	"prev_hash" "bytea" NOT NULL,
	"hash" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_pending" (
	"xact" bigint PRIMARY KEY NOT NULL,
	"first_id" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "xact" bigint DEFAULT txid_current() NOT NULL;