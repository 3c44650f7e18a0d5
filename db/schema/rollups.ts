import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * Ledger rollups: counts and sums of `transactions` by when a row was created (UTC), so the
 * console's charts, the overview and the ledger's totals read a few thousand rows instead of
 * millions (docs/performance.md, "Console"). Derived data only: they can be rebuilt from the
 * ledger at any time (`ledger_rollup_rebuild()`), are left out of backups, and the budget audit
 * checks them against the ledger.
 *
 * How they stay right whatever writes the ledger: statement triggers on `transactions`
 * (db/functions/ledger_rollups.sql) append what each INSERT, UPDATE or DELETE changed to
 * `ledger_rollup_deltas`, in the writer's own transaction: an append, so concurrent writers never
 * wait on one another for it (a shared counter row would make every batch of every agent take
 * turns on it). `ledger_rollup_fold()` (the `rollups` job, every few seconds) moves the deltas
 * into the four rollup tables in one transaction. A reader adds the deltas not yet folded to the
 * rollups it reads, in one statement, so what it sees is the ledger at its snapshot.
 *
 * Keys: `status` is the row's status; `erred` is true only for an `authorized` row with an error
 * (signed, the vendor failed, money still held: a failure for the success rate).
 */

/** What each ledger statement changed, per minute and key, until the next fold. */
export const ledgerRollupDeltas = pgTable("ledger_rollup_deltas", {
  minute: timestamp("minute", { withTimezone: true }).notNull(),
  agentId: text("agent_id").notNull(),
  vendor: text("vendor").notNull(),
  status: text("status").notNull(),
  erred: boolean("erred").notNull(),
  /** `completed` rows with a latency: its histogram bucket (see `ledger_latency_5m`); else null. */
  latencyBucket: smallint("latency_bucket"),
  /** Rows added (negative: removed, or moved to another key). */
  n: bigint("n", { mode: "bigint" }).notNull(),
  amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
  latencyMs: bigint("latency_ms", { mode: "bigint" }).notNull(),
});

/** Per UTC day, agent, vendor label and status. */
export const ledgerRollupDay = pgTable(
  "ledger_rollup_day",
  {
    day: date("day").notNull(),
    agentId: text("agent_id").notNull(),
    vendor: text("vendor").notNull(),
    status: text("status").notNull(),
    erred: boolean("erred").notNull(),
    n: bigint("n", { mode: "bigint" }).notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.agentId, t.vendor, t.status, t.erred] })],
);

/** Per UTC hour, agent, vendor label and status. */
export const ledgerRollupHour = pgTable(
  "ledger_rollup_hour",
  {
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    agentId: text("agent_id").notNull(),
    vendor: text("vendor").notNull(),
    status: text("status").notNull(),
    erred: boolean("erred").notNull(),
    n: bigint("n", { mode: "bigint" }).notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.agentId, t.vendor, t.status, t.erred] })],
);

/** Per minute and status, the whole fleet: the success rate's points and the edges of rolling windows. */
export const ledgerRollupMinute = pgTable(
  "ledger_rollup_minute",
  {
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    status: text("status").notNull(),
    erred: boolean("erred").notNull(),
    n: bigint("n", { mode: "bigint" }).notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.status, t.erred] })],
);

/**
 * Latency of completed payments per 5 minutes, as a histogram: bucket b holds latencies in
 * [2^((b-1)/8), 2^(b/8)) ms (b = 0 for 0 ms), each bucket about 9% wide, with the count and the
 * sum of the latencies in it. A percentile is read as the mean of the bucket it falls in: exact
 * when the bucket holds one value, else within the bucket (lib/payment-core/metrics/time-series.ts).
 */
export const ledgerLatency5m = pgTable(
  "ledger_latency_5m",
  {
    start: timestamp("start", { withTimezone: true }).notNull(),
    bucket: smallint("bucket").notNull(),
    n: bigint("n", { mode: "bigint" }).notNull(),
    latencyMs: bigint("latency_ms", { mode: "bigint" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.start, t.bucket] }),
    check("ledger_latency_5m_bucket", sql`${t.bucket} >= 0`),
  ],
);
