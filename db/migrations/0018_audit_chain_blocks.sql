-- The audit hash chain, one link per committing transaction (issue 9: a per-event link updated every
-- event row a second time and the head row once per event, so a 100,000-row import spent most of its
-- commit there). Each event's digest covers its own content and id; a transaction's link (audit_blocks)
-- lists its events' ids and digests in id order, and its hash covers the previous link's hash, its
-- position and those digests. Events are never updated: verification recomputes their digests.
DROP TRIGGER audit_events_chain ON audit_events;
--> statement-breakpoint
DROP FUNCTION audit_chain_append();
--> statement-breakpoint
DROP FUNCTION audit_event_digest(bytea, audit_events);
--> statement-breakpoint
-- The canonical content: one jsonb array (jsonb text output is canonical), times as epoch microseconds.
CREATE FUNCTION audit_event_digest(e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(convert_to(jsonb_build_array(
    e.id, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_type, e.actor_id, e.actor_label,
    e.action, e.target_type, e.target_id, e.target_label, e.environment_id, e.changes, e.detail, e.ip, e.user_agent
  )::text, 'UTF8'))
$$;
--> statement-breakpoint
CREATE FUNCTION audit_block_digest(prev bytea, seq bigint, digests bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || int8send(seq) || digests)
$$;
--> statement-breakpoint
-- Events: never updated; deleted only by the retention purge. Links: the same.
CREATE OR REPLACE FUNCTION audit_events_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('userdesk.audit_purge', true) = 'on' THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'audit events are read-only';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_blocks_read_only BEFORE UPDATE OR DELETE ON audit_blocks
  FOR EACH ROW EXECUTE FUNCTION audit_events_read_only();
--> statement-breakpoint
-- Once per inserting statement (COPY included): mark the transaction as having events to chain.
CREATE FUNCTION audit_mark_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_pending (xact, first_id)
    SELECT txid_current(), min(id) FROM new_events HAVING count(*) > 0
    ON CONFLICT (xact) DO NOTHING;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_pending AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION audit_mark_pending();
--> statement-breakpoint
-- At commit: append the transaction's events as one link. The head row's lock serialises appenders
-- across every instance, held only for the last moments of the transaction; the primary key on
-- audit_blocks.seq makes a fork impossible even if that were bypassed. Events of this transaction have
-- ids at or after the first one marked (one sequence), so the scan starts there.
CREATE FUNCTION audit_chain_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash bytea;
  ids bigint[];
  digests bytea;
  newest timestamptz;
  h bytea;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  SELECT array_agg(e.id ORDER BY e.id), string_agg(audit_event_digest(e), ''::bytea ORDER BY e.id), max(e.at)
    INTO ids, digests, newest
    FROM audit_events e WHERE e.id >= NEW.first_id AND e.xact = NEW.xact;
  DELETE FROM audit_pending WHERE xact = NEW.xact;
  IF ids IS NULL THEN RETURN NULL; END IF;
  h := audit_block_digest(head_hash, head_seq + 1, digests);
  INSERT INTO audit_blocks (seq, at, event_ids, digests, prev_hash, hash) VALUES (head_seq + 1, newest, ids, digests, head_hash, h);
  UPDATE audit_chain_head SET seq = head_seq + 1, hash = h WHERE id = 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_append();
--> statement-breakpoint
-- The events written before this migration, in links of 1,000 in id order, after a fresh cut at the
-- genesis hash (earlier cuts stay as history; verification starts from the newest cut).
DO $$
DECLARE
  head bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  n bigint := 0;
  r record;
BEGIN
  INSERT INTO audit_chain_cuts (seq, hash, events_removed) VALUES (0, head, 0);
  FOR r IN
    SELECT array_agg(e.id ORDER BY e.id) AS ids, string_agg(audit_event_digest(e), ''::bytea ORDER BY e.id) AS digests, max(e.at) AS newest
    FROM audit_events e JOIN (SELECT id, (row_number() OVER (ORDER BY id) - 1) / 1000 AS chunk FROM audit_events) c ON c.id = e.id
    GROUP BY c.chunk ORDER BY c.chunk
  LOOP
    n := n + 1;
    INSERT INTO audit_blocks (seq, at, event_ids, digests, prev_hash, hash) VALUES (n, r.newest, r.ids, r.digests, head, audit_block_digest(head, n, r.digests));
    head := audit_block_digest(head, n, r.digests);
  END LOOP;
  UPDATE audit_chain_head SET seq = n, hash = head WHERE id = 1;
END $$;
