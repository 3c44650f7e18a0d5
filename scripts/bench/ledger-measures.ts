import { createHash } from "node:crypto";
import type postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { inParallel, percentiles } from "./common";
import { AGENTS, commitMetadata, NETWORK, PAYER, USDC, VENDORS } from "./ledger-rows";

/**
 * What bench-ledger-size measures on the loaded ledger: a relation's sizes, a query's timings
 * with the indexes its plan used, and real payments' writes (rate, WAL, growth).
 */

export const md5 = (s: string) => createHash("md5").update(s).digest("hex");

export interface RelationSizes {
  rows: number;
  heap: number;
  toast: number;
  indexes: number;
  total: number;
}

export async function relationSizes(sql: postgres.Sql, relation: string): Promise<RelationSizes> {
  const [r] = await sql<{ rows: bigint; heap: bigint; toast: bigint; indexes: bigint; total: bigint }[]>`
    SELECT (SELECT count(*) FROM ${sql(relation)}) AS rows,
      pg_relation_size(c.oid) AS heap,
      -- TOAST: its heap and its index (zero when no value was large enough to move there).
      coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast,
      pg_indexes_size(c.oid) AS indexes, pg_total_relation_size(c.oid) AS total
    FROM pg_class c WHERE c.oid = ${relation}::regclass`;
  if (!r) throw new Error(`no relation ${relation}`);
  return {
    rows: Number(r.rows),
    heap: Number(r.heap),
    toast: Number(r.toast),
    indexes: Number(r.indexes),
    total: Number(r.total),
  };
}

/** How a plan reads its tables: the indexes it uses and the tables it scans whole, from EXPLAIN's JSON. */
function planShape(
  node: Record<string, unknown>,
  out = { indexes: new Set<string>(), seqScans: new Set<string>() },
) {
  if (typeof node["Index Name"] === "string") out.indexes.add(node["Index Name"]);
  if (node["Node Type"] === "Seq Scan") out.seqScans.add(String(node["Relation Name"]));
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) planShape(child, out);
  return out;
}

export interface QueryTiming {
  name: string;
  executionP50Ms: number;
  planningP50Ms: number;
  roundTripP50Ms: number;
  rowsOut: number;
  indexes: string[];
  seqScans: string[];
}

export async function timeQuery(
  sql: postgres.Sql,
  name: string,
  text: string,
  runs: number,
): Promise<QueryTiming> {
  for (let i = 0; i < 2; i++) await sql.unsafe(text);
  const execution: number[] = [];
  const planning: number[] = [];
  let shape = planShape({});
  for (let i = 0; i < runs; i++) {
    const [row] = await sql.unsafe<{ "QUERY PLAN": Record<string, unknown>[] }[]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
    );
    const plan = row?.["QUERY PLAN"][0] ?? {};
    execution.push(Number(plan["Execution Time"]));
    planning.push(Number(plan["Planning Time"]));
    shape = planShape(plan.Plan as Record<string, unknown>);
  }
  const roundTrip: number[] = [];
  let rowsOut = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    rowsOut = (await sql.unsafe(text)).length;
    roundTrip.push(performance.now() - t0);
  }
  return {
    name,
    executionP50Ms: percentiles(execution).p50,
    planningP50Ms: percentiles(planning).p50,
    roundTripP50Ms: percentiles(roundTrip).p50,
    rowsOut,
    indexes: [...shape.indexes],
    seqScans: [...shape.seqScans],
  };
}

/**
 * `cycles` payments' database writes through the real engine at `callers`: rate, and per payment
 * the WAL written (bytes between the server's WAL positions), the full-page images among it
 * (pg_stat_wal, counted once the engine's connections have closed and so reported theirs) and
 * the table's growth before any vacuum.
 */
export async function paymentWrites(
  url: string,
  sql: postgres.Sql,
  cycles: number,
  callers: number,
  run: string,
) {
  const huge = 1_000_000_000_000_000n;
  const agentLimits = Object.fromEntries(
    AGENTS.map((a) => [a, { daily: huge, monthly: huge, per_transaction: huge }]),
  );
  const config = defaultBudgetConfig({ hardLimitMicro: huge, agentLimits });
  const vendor = VENDORS[0] as (typeof VENDORS)[number];
  let n = 0;
  const pay = async (engine: BudgetEngine) => {
    const i = n++;
    const now = new Date();
    const h = md5(`${run}-${i}`);
    const r = await engine.reserve(
      AGENTS[i % AGENTS.length] as string,
      BigInt(vendor.priceMicro),
      `${run}-${i}-${h}`,
      {
        vendor: vendor.host,
        resourceUrl: `https://${vendor.host}${vendor.path}?q=${i}`,
        method: "GET",
        asset: USDC,
        network: NETWORK,
        payer: PAYER,
        metadata: { request_fingerprint: h + h },
        authorization: {
          nonce: `0x${h}${h}`,
          validAfter: new Date(now.getTime() - 60_000),
          validBefore: new Date(now.getTime() + 300_000),
        },
      },
    );
    if (!r.ok) throw new Error(`reserve refused: ${r.code}`);
    const txHash = `0x${md5(`${h}t`)}${md5(`${h}u`)}`;
    const c = await engine.capture(r.transactionId, BigInt(vendor.priceMicro), txHash, {
      latencyMs: 450,
      metadata: commitMetadata(vendor, txHash, now),
    });
    if (!c.ok) throw new Error(`commit failed: ${c.code}`);
  };
  /** Runs `count` payments on a pool of its own, closed after (its backends then report their WAL). */
  const payments = async (count: number) => {
    const db = createDb(url, { max: Math.min(callers, 10), applicationName: "x402-bench-ledger-size" });
    const engine = new BudgetEngine(db, { config: () => config });
    try {
      return await inParallel(count, callers, () => pay(engine));
    } finally {
      await closeDb(db);
    }
  };
  const position = async () => {
    await new Promise((r) => setTimeout(r, 500));
    const [p] = await sql<{ lsn: string; size: bigint; fpi: bigint }[]>`
      SELECT pg_current_wal_lsn()::text AS lsn, pg_total_relation_size('transactions') AS size,
        (SELECT wal_fpi FROM pg_stat_wal) AS fpi`;
    if (!p) throw new Error("no WAL position");
    return p;
  };
  await payments(20);
  const before = await position();
  const ms = await payments(cycles);
  const after = await position();
  const [wal] = await sql<
    { bytes: string }[]
  >`SELECT pg_wal_lsn_diff(${after.lsn}, ${before.lsn})::text AS bytes`;
  return {
    callers,
    cycles,
    cyclesPerSecond: (cycles / ms) * 1000,
    walBytesPerPayment: Number(wal?.bytes) / cycles,
    fullPageImagesPerPayment: Number(after.fpi - before.fpi) / cycles,
    tableGrowthBytesPerPayment: Number(after.size - before.size) / cycles,
  };
}
