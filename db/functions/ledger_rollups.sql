-- Ledger rollups: the source of the functions and triggers migration 0026_ledger_rollups installs
-- (db/schema/rollups.ts documents the tables). To change them, edit this file and carry the whole
-- file in a new migration; db/functions/ledger-rollups.test.ts fails while the latest migration
-- that carries it differs.
--
-- Every row is bucketed by ledger_rollup_key() alone, so the triggers, the rebuild and the budget
-- audit (lib/payment-core/budget-audit/ledger-rollups.ts) bucket it the same way. Time buckets are
-- UTC (date_trunc with 'UTC'), as the budget windows are.

-- The latency histogram's bucket of a latency in ms: 0 for 0 ms (or less), else 1 + floor(8 log2 ms):
-- eight buckets an octave, each about 9% wide.
CREATE OR REPLACE FUNCTION ledger_latency_bucket(p_ms integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN p_ms <= 0 THEN 0 ELSE 1 + floor(8 * ln(p_ms::float8) / ln(2::float8))::int END::smallint
$fn$;
--> statement-breakpoint

-- A ledger row's rollup key and what it adds: its minute (UTC), agent, vendor label, status, whether
-- it is an authorized row whose vendor failed (`erred`), its latency bin (completed rows with a
-- latency), its amount, and its latency when completed (else 0). One SELECT of SQL, so the planner
-- inlines it (`FROM transactions r, ledger_rollup_key(r) k` costs what the expressions cost).
CREATE OR REPLACE FUNCTION ledger_rollup_key(r transactions)
RETURNS TABLE (minute timestamptz, agent_id text, vendor text, status text, erred boolean,
  latency_bucket smallint, amount_micro bigint, latency_ms bigint)
LANGUAGE sql STABLE AS $fn$
  SELECT date_trunc('minute', r.created_at, 'UTC'), r.agent_id, r.vendor, r.status::text,
    r.status = 'authorized' AND r.error_code IS NOT NULL,
    CASE WHEN r.status = 'completed' AND r.latency_ms IS NOT NULL THEN ledger_latency_bucket(r.latency_ms) END,
    r.amount_micro,
    CASE WHEN r.status = 'completed' THEN coalesce(r.latency_ms, 0)::bigint ELSE 0 END
$fn$;
--> statement-breakpoint

-- The statement triggers' work: what the statement changed, grouped by key, appended to the deltas
-- (+1 for each new row, -1 for each old one). An UPDATE that moves no row to another key (a refund
-- note, metadata) appends nothing.
CREATE OR REPLACE FUNCTION ledger_rollup_capture() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  -- A statement's transition tables exist only for its own event: each branch names its own.
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ledger_rollup_deltas (minute, agent_id, vendor, status, erred, latency_bucket, n, amount_micro, latency_ms)
    SELECT k.minute, k.agent_id, k.vendor, k.status, k.erred, k.latency_bucket, count(*), sum(k.amount_micro),
      sum(k.latency_ms)
    FROM new_rows r, ledger_rollup_key(r) k
    GROUP BY 1, 2, 3, 4, 5, 6;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO ledger_rollup_deltas (minute, agent_id, vendor, status, erred, latency_bucket, n, amount_micro, latency_ms)
    SELECT k.minute, k.agent_id, k.vendor, k.status, k.erred, k.latency_bucket, -count(*), -sum(k.amount_micro),
      -sum(k.latency_ms)
    FROM old_rows r, ledger_rollup_key(r) k
    GROUP BY 1, 2, 3, 4, 5, 6;
  ELSE
    INSERT INTO ledger_rollup_deltas (minute, agent_id, vendor, status, erred, latency_bucket, n, amount_micro, latency_ms)
    SELECT minute, agent_id, vendor, status, erred, latency_bucket, sum(s), sum(s * amount_micro),
      sum(s * latency_ms)
    FROM (
      SELECT 1 AS s, k.* FROM new_rows r, ledger_rollup_key(r) k
      UNION ALL
      SELECT -1, k.* FROM old_rows r, ledger_rollup_key(r) k) AS c
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(s) <> 0 OR sum(s * amount_micro) <> 0 OR sum(s * latency_ms) <> 0;
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint

-- TRUNCATE of the ledger (a restore) empties the rollups with it. DELETE, not TRUNCATE: the
-- statement that fired this may be truncating the rollup tables too (a restore empties every table).
CREATE OR REPLACE FUNCTION ledger_rollup_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM ledger_rollup_deltas;
  DELETE FROM ledger_rollup_minute;
  DELETE FROM ledger_rollup_hour;
  DELETE FROM ledger_rollup_day;
  DELETE FROM ledger_latency_5m;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint

-- Moves every delta committed so far into the rollups, in one transaction; returns how many delta
-- rows it moved. One fold at a time (an advisory lock): the rollup rows have no other writer, so
-- the ledger's writers never wait for a fold, nor a fold for them.
CREATE OR REPLACE FUNCTION ledger_rollup_fold() RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  v_moved bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('ledger_rollup_fold'));
  WITH d AS (DELETE FROM ledger_rollup_deltas RETURNING *),
  m AS (
    INSERT INTO ledger_rollup_minute AS r (minute, status, erred, n, amount_micro)
    SELECT minute, status, erred, sum(n)::bigint, sum(amount_micro)::bigint FROM d
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, status, erred) DO UPDATE
      SET n = r.n + excluded.n, amount_micro = r.amount_micro + excluded.amount_micro
    RETURNING 1),
  h AS (
    INSERT INTO ledger_rollup_hour AS r (hour, agent_id, vendor, status, erred, n, amount_micro)
    SELECT date_trunc('hour', minute, 'UTC'), agent_id, vendor, status, erred, sum(n)::bigint,
      sum(amount_micro)::bigint
    FROM d GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (hour, agent_id, vendor, status, erred) DO UPDATE
      SET n = r.n + excluded.n, amount_micro = r.amount_micro + excluded.amount_micro
    RETURNING 1),
  dd AS (
    INSERT INTO ledger_rollup_day AS r (day, agent_id, vendor, status, erred, n, amount_micro)
    SELECT (minute AT TIME ZONE 'UTC')::date, agent_id, vendor, status, erred, sum(n)::bigint,
      sum(amount_micro)::bigint
    FROM d GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (day, agent_id, vendor, status, erred) DO UPDATE
      SET n = r.n + excluded.n, amount_micro = r.amount_micro + excluded.amount_micro
    RETURNING 1),
  l AS (
    INSERT INTO ledger_latency_5m AS r (start, bucket, n, latency_ms)
    SELECT date_bin('5 minutes', minute, timestamptz '2000-01-01 00:00:00+00'), latency_bucket, sum(n)::bigint,
      sum(latency_ms)::bigint
    FROM d WHERE latency_bucket IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (start, bucket) DO UPDATE
      SET n = r.n + excluded.n, latency_ms = r.latency_ms + excluded.latency_ms
    RETURNING 1)
  SELECT count(*) INTO v_moved FROM d;
  RETURN v_moved;
END
$fn$;
--> statement-breakpoint

-- Recomputes every rollup from the ledger (the migration's backfill; a repair after the audit found
-- a difference). Holds the ledger's SHARE lock meanwhile: writers wait, readers do not.
CREATE OR REPLACE FUNCTION ledger_rollup_rebuild() RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
  v_rows bigint;
BEGIN
  LOCK TABLE transactions IN SHARE MODE;
  PERFORM pg_advisory_xact_lock(hashtext('ledger_rollup_fold'));
  TRUNCATE ledger_rollup_deltas, ledger_rollup_minute, ledger_rollup_hour, ledger_rollup_day, ledger_latency_5m;
  -- The whole ledger as deltas (the triggers' grouping), then one fold.
  INSERT INTO ledger_rollup_deltas (minute, agent_id, vendor, status, erred, latency_bucket, n, amount_micro, latency_ms)
  SELECT k.minute, k.agent_id, k.vendor, k.status, k.erred, k.latency_bucket, count(*), sum(k.amount_micro),
    sum(k.latency_ms)
  FROM transactions r, ledger_rollup_key(r) k
  GROUP BY 1, 2, 3, 4, 5, 6;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  PERFORM ledger_rollup_fold();
  RETURN v_rows;
END
$fn$;
--> statement-breakpoint

CREATE OR REPLACE TRIGGER transactions_rollup_insert AFTER INSERT ON transactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_capture();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_rollup_update AFTER UPDATE ON transactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_capture();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_rollup_delete AFTER DELETE ON transactions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_capture();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER transactions_rollup_truncate AFTER TRUNCATE ON transactions
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_rollup_truncate();
