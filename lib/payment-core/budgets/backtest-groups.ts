import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import type { Micro } from "../support/money";
import { utcDay } from "../support/time";
import { ASK, dayOf, decidedRows, LEDGER_ORDER, type RowRecord, USES, VENDOR } from "./backtest-replay";

/**
 * What the backtest reads (lib/payment-core/budgets/backtest.ts tells how it replays them): the
 * agent's rows grouped by UTC day, vendor and asked amount, and a day's rows in the ledger's order,
 * a chunk at a time, for the days where a limit binds.
 */

/** The most of a day's rows read at once where a limit binds in it: reads start at FIRST_CHUNK and double. */
export const HEAD_CHUNK = 8_192;
const FIRST_CHUNK = 256;

/** The rows of one UTC day with one vendor and one asked amount: what the replay needs when no order matters. */
export interface Group {
  vendor: string;
  ask: Micro;
  count: number;
  /** What the group's rows take once accepted, summed. */
  uses: Micro;
  /** The sum of max(ask, uses): bounds what the day's window can hold at any point of the day. */
  top: Micro;
}

export interface DayGroups {
  day: string;
  month: string;
  inWindow: boolean;
  /** The day's first instant and the next day's. */
  start: Date;
  next: Date;
  groups: Group[];
}

export const groupKey = (vendor: string, ask: Micro) => `${ask} ${vendor}`;

export const READ_ONLY_SNAPSHOT = { isolationLevel: "repeatable read", accessMode: "read only" } as const;
/** At most this many connections aggregate at once (each a range of whole days, on one snapshot). */
const GROUP_PARTS = 3;

type GroupRecord = { d: number; vendor: string; ask: bigint; n: number; uses: string; top: string };

/** The aggregate for UTC days `first` to `end` (excluded) counted from `fromDay`. */
const groupsQuery = (
  agentId: string,
  fromDay: string,
  base: number,
  first: number,
  end: number,
  replayFrom: Date,
  to: Date,
) => sql`
  SELECT d, vendor, ask, count(*)::int AS n, sum(uses)::text AS uses, sum(greatest(ask, uses))::text AS top
  FROM (
    SELECT (t.created_at AT TIME ZONE 'UTC')::date - ${fromDay}::date AS d, ${VENDOR} AS vendor, ${ASK} AS ask,
      ${USES} AS uses
    FROM transactions t
    WHERE ${decidedRows(agentId, replayFrom, to)}
      AND t.created_at >= ${new Date(base + first * 86_400_000).toISOString()}::timestamptz
      AND t.created_at < ${new Date(base + end * 86_400_000).toISOString()}::timestamptz
    OFFSET 0) AS r
  GROUP BY 1, 2, 3`;

/**
 * One aggregate over the agent's rows: by UTC day, vendor and asked amount (x402 prices are a few
 * fixed amounts). Ranges of whole days go to up to GROUP_PARTS connections at once (PostgreSQL
 * does not split this aggregate over its workers); each joins the snapshot `tx` exported, so all
 * see one ledger. With a pool of one or two connections it is one query on `tx`.
 */
export async function loadDayGroups(
  db: Database,
  tx: DbOrTx,
  agentId: string,
  replayFrom: Date,
  windowFrom: Date,
  to: Date,
): Promise<DayGroups[]> {
  const fromDay = utcDay(replayFrom);
  const base = Date.parse(`${fromDay}T00:00:00.000Z`);
  const dayCount = Math.floor((to.getTime() - base) / 86_400_000) + 1;
  const poolMax = (db.$client as { options?: { max?: number } }).options?.max ?? 1;
  const parts = Math.max(1, Math.min(GROUP_PARTS, poolMax - 1, dayCount));
  const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.floor((dayCount * k) / parts));
  const query = (k: number) =>
    groupsQuery(agentId, fromDay, base, bounds[k] as number, bounds[k + 1] as number, replayFrom, to);
  let snapshot = "";
  if (parts > 1) {
    const [row] = await tx.execute<{ id: string }>(sql`SELECT pg_export_snapshot() AS id`);
    snapshot = row?.id ?? "";
    if (!/^[0-9A-F]+(-[0-9A-F]+){1,2}$/i.test(snapshot))
      throw new Error(`unexpected snapshot id ${snapshot}`);
  }
  const results = await Promise.all(
    Array.from({ length: parts }, (_, k) =>
      k === 0
        ? tx.execute<GroupRecord>(query(k))
        : db.transaction(async (part) => {
            await part.execute(sql.raw(`SET TRANSACTION SNAPSHOT '${snapshot}'`));
            return part.execute<GroupRecord>(query(k));
          }, READ_ONLY_SNAPSHOT),
    ),
  );
  const windowDay = utcDay(windowFrom);
  const byIndex = new Map<number, DayGroups>();
  for (const r of results.flat()) {
    let day = byIndex.get(r.d);
    if (!day) {
      const name = dayOf(base, r.d);
      day = {
        day: name,
        month: name.slice(0, 7),
        inWindow: name >= windowDay,
        start: new Date(base + r.d * 86_400_000),
        next: new Date(base + (r.d + 1) * 86_400_000),
        groups: [],
      };
      byIndex.set(r.d, day);
    }
    day.groups.push({ vendor: r.vendor, ask: r.ask, count: r.n, uses: BigInt(r.uses), top: BigInt(r.top) });
  }
  return [...byIndex].sort(([a], [b]) => a - b).map(([, day]) => day);
}

/** A day's rows in the ledger's order, read a chunk at a time and kept for the other replay. */
export type DayRows = (upTo: number) => Promise<{ rows: readonly RowRecord[]; complete: boolean }>;

export function dayRowsReader(
  db: DbOrTx,
  agentId: string,
  replayFrom: Date,
  to: Date,
  day: DayGroups,
  chunk: number,
): DayRows {
  const rows: RowRecord[] = [];
  let complete = false;
  let reading: Promise<void> | null = null;
  // A limit usually stops fitting anything a few hundred rows into its day: small reads first.
  let size = Math.min(chunk, FIRST_CHUNK);
  const readChunk = async () => {
    const limit = size;
    size = Math.min(chunk, size * 2);
    const last = rows.at(-1);
    const after = last ? sql`AND (t.created_at, t.id) > (${last.at}::timestamptz, ${last.id})` : sql``;
    const got = await db.execute<RowRecord>(sql`
      SELECT t.created_at AS at, t.id, ${VENDOR} AS vendor, ${ASK} AS ask, ${USES} AS uses
      FROM transactions t
      WHERE ${decidedRows(agentId, replayFrom, to)}
        AND t.created_at >= ${day.start.toISOString()}::timestamptz
        AND t.created_at < ${day.next.toISOString()}::timestamptz ${after}
      ORDER BY ${LEDGER_ORDER} LIMIT ${limit}`);
    rows.push(...got);
    if (got.length < limit) complete = true;
  };
  return async (upTo) => {
    while (!complete && rows.length < upTo) {
      reading ??= readChunk().finally(() => {
        reading = null;
      });
      await reading;
    }
    return { rows, complete };
  };
}
