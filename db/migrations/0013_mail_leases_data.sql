-- Sent and failed messages are never due again: they keep no next attempt.
UPDATE "outbox_messages" SET "next_attempt_at" = NULL WHERE "status" IN ('sent', 'failed');--> statement-breakpoint
-- Invitations already queued are bulk mail (lib/mail/outbox.ts derives the priority from the kind).
UPDATE "outbox_messages" SET "priority" = 1 WHERE "kind" = 'invitation';--> statement-breakpoint
-- The links the templates wrote are the hrefs of their HTML (names and other text are escaped there).
UPDATE "outbox_messages" SET "links" = coalesce(
  (SELECT jsonb_agg(replace(m[1], '&amp;', '&')) FROM regexp_matches("html", '<a href="([^"]+)"', 'g') AS m),
  '[]'::jsonb
);--> statement-breakpoint
-- Due (pending, or sending under a lease) exactly when a next attempt is set. Compared as text:
-- enum values added in this run cannot be used as literals before it commits.
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_due_check"
  CHECK (("next_attempt_at" IS NULL) = ("status"::text IN ('sent', 'failed', 'cancelled')));--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_priority_check" CHECK ("priority" IN (0, 1));
