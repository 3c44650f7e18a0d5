import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { formatDollars } from "../support/money";
import { type KindResult, kindResult } from "./shared";
import { FINDINGS_PER_KIND } from "./types";

type Row = {
  level: "day" | "hour" | "minute" | "latency";
  bucket: string;
  agent_id: string | null;
  vendor: string | null;
  status: string | null;
  erred: boolean | null;
  ledger_n: bigint;
  ledger_amount: bigint;
  rollup_n: bigint;
  rollup_amount: bigint;
  total: bigint;
};

/**
 * The ledger's rollups (db/schema/rollups.ts) against the ledger: every day, hour and minute
 * rollup row and every latency bin, with the deltas not yet folded added, must hold exactly the
 * count and amount (for latency bins: the count and the sum of latencies) of the ledger rows in
 * it. Two scans of the ledger in the audit's snapshot, each row bucketed by the triggers' own
 * `ledger_rollup_key()`: one grouped by hour, agent, vendor and status (days are summed from it),
 * one by minute and status with the latency bins. A difference
 * means the console's charts and totals disagree with the ledger; `ledger_rollup_rebuild()`
 * (`x402 rollups rebuild`) recomputes them.
 */
export async function checkLedgerRollups(db: DbOrTx): Promise<KindResult> {
  const rows = await db.execute<Row>(sql`
    WITH ledger_hour AS MATERIALIZED (
      SELECT date_trunc('hour', k.minute, 'UTC') AS hour, k.agent_id, k.vendor, k.status, k.erred,
        count(*)::bigint AS n, sum(k.amount_micro)::bigint AS amount
      FROM transactions r, ledger_rollup_key(r) k GROUP BY 1, 2, 3, 4, 5
    ), delta_hour AS (
      SELECT date_trunc('hour', minute, 'UTC') AS hour, agent_id, vendor, status, erred, sum(n)::bigint AS n,
        sum(amount_micro)::bigint AS amount
      FROM ledger_rollup_deltas GROUP BY 1, 2, 3, 4, 5
    ), rolled_hour AS (
      SELECT hour, agent_id, vendor, status, erred, sum(n)::bigint AS n, sum(amount)::bigint AS amount FROM (
        SELECT hour, agent_id, vendor, status, erred, n, amount_micro AS amount FROM ledger_rollup_hour
        UNION ALL SELECT * FROM delta_hour) x
      GROUP BY 1, 2, 3, 4, 5
    ), rolled_day AS (
      SELECT day, agent_id, vendor, status, erred, sum(n)::bigint AS n, sum(amount)::bigint AS amount FROM (
        SELECT day, agent_id, vendor, status, erred, n, amount_micro AS amount FROM ledger_rollup_day
        UNION ALL SELECT (hour AT TIME ZONE 'UTC')::date, agent_id, vendor, status, erred, n, amount FROM delta_hour) x
      GROUP BY 1, 2, 3, 4, 5
    ), ledger_day AS (
      SELECT (hour AT TIME ZONE 'UTC')::date AS day, agent_id, vendor, status, erred, sum(n)::bigint AS n,
        sum(amount)::bigint AS amount
      FROM ledger_hour GROUP BY 1, 2, 3, 4, 5
    ), ledger_minute AS MATERIALIZED (
      SELECT k.minute, k.status, k.erred, k.latency_bucket AS bucket, count(*)::bigint AS n,
        sum(k.amount_micro)::bigint AS amount, sum(k.latency_ms)::bigint AS latency
      FROM transactions r, ledger_rollup_key(r) k GROUP BY 1, 2, 3, 4
    ), rolled_minute AS (
      SELECT minute, status, erred, sum(n)::bigint AS n, sum(amount)::bigint AS amount FROM (
        SELECT minute, status, erred, n, amount_micro AS amount FROM ledger_rollup_minute
        UNION ALL SELECT minute, status, erred, n, amount_micro FROM ledger_rollup_deltas) x
      GROUP BY 1, 2, 3
    ), rolled_latency AS (
      SELECT start, bucket, sum(n)::bigint AS n, sum(latency)::bigint AS latency FROM (
        SELECT start, bucket, n, latency_ms AS latency FROM ledger_latency_5m
        UNION ALL SELECT date_bin('5 minutes', minute, timestamptz '2000-01-01 00:00:00+00'), latency_bucket, n, latency_ms
        FROM ledger_rollup_deltas WHERE latency_bucket IS NOT NULL) x
      GROUP BY 1, 2
    ), ledger_latency AS (
      SELECT date_bin('5 minutes', minute, timestamptz '2000-01-01 00:00:00+00') AS start, bucket,
        sum(n)::bigint AS n, sum(latency)::bigint AS latency
      FROM ledger_minute WHERE bucket IS NOT NULL GROUP BY 1, 2
    ), found AS (
      SELECT 'day' AS level, coalesce(l.day, r.day)::text AS bucket, coalesce(l.agent_id, r.agent_id) AS agent_id,
        coalesce(l.vendor, r.vendor) AS vendor, coalesce(l.status, r.status) AS status, coalesce(l.erred, r.erred) AS erred,
        coalesce(l.n, 0) AS ledger_n, coalesce(l.amount, 0) AS ledger_amount, coalesce(r.n, 0) AS rollup_n,
        coalesce(r.amount, 0) AS rollup_amount
      FROM ledger_day l FULL JOIN rolled_day r USING (day, agent_id, vendor, status, erred)
      WHERE coalesce(l.n, 0) <> coalesce(r.n, 0) OR coalesce(l.amount, 0) <> coalesce(r.amount, 0)
      UNION ALL
      SELECT 'hour', to_char(coalesce(l.hour, r.hour) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'),
        coalesce(l.agent_id, r.agent_id), coalesce(l.vendor, r.vendor), coalesce(l.status, r.status),
        coalesce(l.erred, r.erred), coalesce(l.n, 0), coalesce(l.amount, 0), coalesce(r.n, 0), coalesce(r.amount, 0)
      FROM ledger_hour l FULL JOIN rolled_hour r USING (hour, agent_id, vendor, status, erred)
      WHERE coalesce(l.n, 0) <> coalesce(r.n, 0) OR coalesce(l.amount, 0) <> coalesce(r.amount, 0)
      UNION ALL
      SELECT 'minute', to_char(coalesce(l.minute, r.minute) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), NULL, NULL,
        coalesce(l.status, r.status), coalesce(l.erred, r.erred), coalesce(l.n, 0), coalesce(l.amount, 0),
        coalesce(r.n, 0), coalesce(r.amount, 0)
      FROM (SELECT minute, status, erred, sum(n)::bigint AS n, sum(amount)::bigint AS amount FROM ledger_minute
        GROUP BY 1, 2, 3) l
      FULL JOIN rolled_minute r USING (minute, status, erred)
      WHERE coalesce(l.n, 0) <> coalesce(r.n, 0) OR coalesce(l.amount, 0) <> coalesce(r.amount, 0)
      UNION ALL
      SELECT 'latency', to_char(coalesce(l.start, r.start) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') || ' bin '
          || coalesce(l.bucket, r.bucket),
        NULL, NULL, 'completed', false, coalesce(l.n, 0), coalesce(l.latency, 0), coalesce(r.n, 0), coalesce(r.latency, 0)
      FROM ledger_latency l FULL JOIN rolled_latency r USING (start, bucket)
      WHERE coalesce(l.n, 0) <> coalesce(r.n, 0) OR coalesce(l.latency, 0) <> coalesce(r.latency, 0)
    )
    SELECT *, count(*) OVER () AS total FROM found
    ORDER BY CASE level WHEN 'day' THEN 0 WHEN 'hour' THEN 1 WHEN 'minute' THEN 2 ELSE 3 END, bucket, agent_id, vendor, status
    LIMIT ${FINDINGS_PER_KIND}`);
  return kindResult(
    "ledger_rollup_mismatch",
    rows,
    rows.map((r) => {
      const latency = r.level === "latency";
      const what = latency
        ? (n: bigint, v: bigint) => `${n} latencies summing to ${v} ms`
        : (n: bigint, v: bigint) => `${n} rows, ${formatDollars(v)}`;
      const key = [
        r.agent_id,
        r.vendor,
        r.status === null ? null : `${r.status}${r.erred ? " (vendor failed)" : ""}`,
      ]
        .filter((part) => part !== null && part !== "")
        .join(" · ");
      return {
        kind: "ledger_rollup_mismatch",
        message: `${r.level} ${r.bucket}${key ? ` ${key}` : ""}: the rollup holds ${what(r.rollup_n, r.rollup_amount)}, the ledger ${what(r.ledger_n, r.ledger_amount)}`,
        agentId: r.agent_id,
        transactionIds: [],
        figures: {
          level: r.level,
          bucket: r.bucket,
          vendor: r.vendor,
          status: r.status,
          ledgerRows: Number(r.ledger_n),
          rollupRows: Number(r.rollup_n),
          ...(latency
            ? { ledgerLatencyMs: r.ledger_amount.toString(), rollupLatencyMs: r.rollup_amount.toString() }
            : { ledgerMicro: r.ledger_amount.toString(), rollupMicro: r.rollup_amount.toString() }),
        },
      };
    }),
  );
}
