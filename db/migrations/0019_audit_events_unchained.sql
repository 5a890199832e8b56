DROP INDEX "audit_events_chain_seq_idx";--> statement-breakpoint
ALTER TABLE "audit_events" DROP COLUMN "chain_seq";--> statement-breakpoint
ALTER TABLE "audit_events" DROP COLUMN "prev_hash";--> statement-breakpoint
ALTER TABLE "audit_events" DROP COLUMN "hash";