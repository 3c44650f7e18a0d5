-- The audit log becomes append-only and hash-chained; one ledger row per signed authorization.
CREATE TABLE "audit_chain_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- The canonical JSON of a row, the text its hash covers: a JSON array, in this order, of seq, id,
-- at (UTC ISO with microseconds), actor, action, target_type, target_id, before, after, reason;
-- jsonb values as PostgreSQL prints them, text as to_json quotes it. Concatenated rather than built
-- as a jsonb object: verify recomputes it for every row, and this is 1.4x cheaper.
-- lib/payment-core/audit-chain.ts holds the same expression for `x402 audit-log verify` (verify must
-- not trust a function stored in the database it checks); a test keeps the two equal.
CREATE FUNCTION audit_log_canonical(r audit_log) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT '[' || r.seq || ',' || r.id || ',"'
    || to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '",'
    || to_json(r.actor)::text || ',' || to_json(r.action)::text || ',' || to_json(r.target_type)::text || ','
    || coalesce(to_json(r.target_id)::text, 'null') || ',' || coalesce(r.before::text, 'null') || ','
    || coalesce(r.after::text, 'null') || ',' || coalesce(to_json(r.reason)::text, 'null') || ']'
$$;
--> statement-breakpoint
-- Rows already written are chained in the order they were written.
DO $$
DECLARE
  r audit_log%ROWTYPE;
  n bigint := 0;
  prev text := repeat('0', 64);
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY at, id LOOP
    n := n + 1;
    r.seq := n;
    r.prev_hash := prev;
    r.hash := encode(sha256(convert_to(prev || audit_log_canonical(r), 'UTF8')), 'hex');
    UPDATE audit_log SET seq = r.seq, prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
    prev := r.hash;
  END LOOP;
  INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, n, prev);
END $$;
--> statement-breakpoint
-- Rows are chained in one total order across processes: each insert takes one transaction-scoped
-- advisory lock (held to commit; re-entrant, so a statement of many rows takes it once in effect)
-- and follows the recorded head, or the last row this transaction wrote after it. The head row is
-- written once per statement (below), not per row: updating one row many times in one transaction
-- costs more with each version. Values a writer passes for seq, prev_hash and hash are replaced.
-- Under REPEATABLE READ a stale head would give a seq or prev_hash already taken: the unique
-- indexes refuse it, so the chain can fail a write but never fork.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head_seq bigint;
  head_hash text;
  last_seq bigint;
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('x402.audit_log_chain', 0));
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE id = 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit_chain_head has no row';
  END IF;
  SELECT seq, hash INTO last_seq, last_hash FROM audit_log WHERE seq > head_seq ORDER BY seq DESC LIMIT 1;
  IF FOUND THEN
    head_seq := last_seq;
    head_hash := last_hash;
  END IF;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_log_canonical(NEW), 'UTF8')), 'hex');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE FUNCTION audit_log_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE audit_chain_head h SET seq = n.seq, hash = n.hash
  FROM (SELECT seq, hash FROM inserted ORDER BY seq DESC LIMIT 1) n
  WHERE h.id = 1 AND n.seq > h.seq;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain_head AFTER INSERT ON audit_log REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_chain_head();
--> statement-breakpoint
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log_append_only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_seq_key" ON "audit_log" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_prev_hash_key" ON "audit_log" USING btree ("prev_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_payer_nonce_key" ON "transactions" USING btree (lower("payer"),lower("nonce")) WHERE "transactions"."nonce" IS NOT NULL;
