-- Tamper evidence for audit_events (issue 11): a SHA-256 hash chain appended at commit.
-- Each event's hash covers its content, its place in the chain and the previous event's hash.
-- The canonical content: one jsonb array (jsonb text output is canonical), times as epoch microseconds.
CREATE FUNCTION audit_event_digest(prev bytea, e audit_events) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT sha256(prev || convert_to(jsonb_build_array(
    e.chain_seq, e.id, (extract(epoch FROM e.at) * 1000000)::bigint, e.actor_type, e.actor_id, e.actor_label,
    e.action, e.target_type, e.target_id, e.target_label, e.environment_id, e.changes, e.detail, e.ip, e.user_agent
  )::text, 'UTF8'))
$$;
--> statement-breakpoint
INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
--> statement-breakpoint
-- The append step, deferred to commit so the chain head stays locked only for the last moments of the
-- writing transaction (recordAudit runs mid-transaction). The head row's lock serialises appenders across
-- every instance; the unique index on chain_seq makes a fork impossible even if that were bypassed.
CREATE FUNCTION audit_chain_append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash bytea;
  e audit_events;
  h bytea;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE;
  e := NEW;
  e.chain_seq := head_seq + 1;
  h := audit_event_digest(head_hash, e);
  UPDATE audit_events SET chain_seq = e.chain_seq, prev_hash = head_hash, hash = h WHERE id = NEW.id;
  UPDATE audit_chain_head SET seq = e.chain_seq, hash = h WHERE id = 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_events_chain AFTER INSERT ON audit_events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_append();
--> statement-breakpoint
-- Read-only: an event may be updated once, by the append step; deleted only by the retention purge.
CREATE FUNCTION audit_events_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL THEN RETURN NEW; END IF;
  IF TG_OP = 'DELETE' AND current_setting('userdesk.audit_purge', true) = 'on' THEN RETURN OLD; END IF;
  RAISE EXCEPTION 'audit events are read-only';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_read_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_read_only();
--> statement-breakpoint
-- Chain the events written before this migration, oldest first.
DO $$
DECLARE
  r audit_events;
  head bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
  n bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
    n := n + 1;
    r.chain_seq := n;
    UPDATE audit_events SET chain_seq = n, prev_hash = head, hash = audit_event_digest(head, r) WHERE id = r.id;
    head := audit_event_digest(head, r);
  END LOOP;
  UPDATE audit_chain_head SET seq = n, hash = head WHERE id = 1;
END $$;
