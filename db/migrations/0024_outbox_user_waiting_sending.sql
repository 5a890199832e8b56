-- Messages in a sender's hands are cancelled too when their link dies (a failed send would requeue them).
DROP INDEX "outbox_user_waiting_idx";--> statement-breakpoint
CREATE INDEX "outbox_user_waiting_idx" ON "outbox_messages" USING btree ("user_id") WHERE "outbox_messages"."status" <> 'sent';