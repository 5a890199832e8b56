-- Resending a link (or voiding a user's links) cancels that user's link messages still waiting: found here,
-- not by reading the whole outbox (100,000 invitations after an import).
CREATE INDEX "outbox_user_waiting_idx" ON "outbox_messages" USING btree ("user_id") WHERE "outbox_messages"."status" in ('pending', 'failed');