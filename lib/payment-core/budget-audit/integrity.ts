import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { formatDollars } from "../support/money";
import { type KindResult, kindResult } from "./shared";
import { type AuditFinding, FINDINGS_PER_KIND, type FindingKind } from "./types";

/**
 * A transaction hash as the chain writes it: 0x and 64 hex digits. Tested as a length and an
 * unbounded class because PostgreSQL's regex engine expands `{64}` (5x slower at 1M rows).
 */
const HEX = "^0x[0-9a-fA-F]*$";

type RowKind =
  | "non_positive_amount"
  | "missing_tx_hash"
  | "malformed_tx_hash"
  | "future_timestamp"
  | "stale_reservation";
const ROW_KINDS: RowKind[] = [
  "non_positive_amount",
  "missing_tx_hash",
  "malformed_tx_hash",
  "future_timestamp",
  "stale_reservation",
];

type FlaggedRow = {
  kind: RowKind;
  id: string;
  agent_id: string;
  status: string;
  amount_micro: bigint;
  tx_hash: string | null;
  created_at: string;
  completed_at: string | null;
  valid_before: string | null;
  total: bigint;
};

function describeRow(r: FlaggedRow, now: Date, futureAfter: Date): Pick<AuditFinding, "message" | "figures"> {
  const base = { status: r.status, amountMicro: r.amount_micro.toString(), createdAt: r.created_at };
  const who = `${r.id} (${r.agent_id}, ${r.status}, ${r.created_at})`;
  switch (r.kind) {
    case "non_positive_amount":
      return {
        message: `${who} is completed with an amount of ${formatDollars(r.amount_micro)}`,
        figures: base,
      };
    case "missing_tx_hash":
      return { message: `${who} is completed without a transaction hash`, figures: base };
    case "malformed_tx_hash":
      return {
        message: `${who} has the transaction hash ${JSON.stringify(r.tx_hash)}, not 0x and 64 hex digits`,
        figures: { ...base, txHash: r.tx_hash },
      };
    case "future_timestamp": {
      const field = Date.parse(r.created_at) > futureAfter.getTime() ? "created_at" : "completed_at";
      return {
        message: `${who} has ${field} ${field === "created_at" ? r.created_at : r.completed_at}, after the audit's clock (${now.toISOString()}) plus the allowed skew`,
        figures: { ...base, field, completedAt: r.completed_at, auditClock: now.toISOString() },
      };
    }
    case "stale_reservation": {
      const ageSeconds = Math.floor((now.getTime() - Date.parse(r.created_at)) / 1000);
      const expired = r.valid_before !== null && Date.parse(r.valid_before) <= now.getTime();
      return {
        message: `${who} still holds ${formatDollars(r.amount_micro)} reserved after ${ageSeconds} s${r.valid_before ? ` (authorization valid until ${r.valid_before}${expired ? ", expired" : ""})` : ""}`,
        figures: { ...base, ageSeconds, validBefore: r.valid_before, authorizationExpired: expired },
      };
    }
  }
}

/**
 * Data integrity, over every ledger row: completed rows with a non-positive amount or no
 * hash, hashes that are not 0x + 64 hex digits, timestamps after the audit's clock plus the
 * allowed skew, reservations (pending or authorized) older than the stale timeout, nonces used
 * twice by one payer, and rows of agents that do not exist. The per-row checks share one scan.
 */
export async function checkIntegrity(
  db: DbOrTx,
  options: { now: Date; clockSkewMs: number; staleReservationMs: number },
): Promise<KindResult[]> {
  const { now } = options;
  const futureAfter = new Date(now.getTime() + options.clockSkewMs);
  const staleBefore = new Date(now.getTime() - options.staleReservationMs);
  const future = futureAfter.toISOString();
  const stale = staleBefore.toISOString();
  const flagged = await db.execute<FlaggedRow>(sql`
    WITH flagged AS (
      SELECT t.*, ARRAY[
          CASE WHEN t.status = 'completed' AND t.amount_micro <= 0 THEN 'non_positive_amount' END,
          CASE WHEN t.status = 'completed' AND coalesce(t.tx_hash, '') = '' THEN 'missing_tx_hash' END,
          CASE WHEN t.tx_hash <> '' AND (length(t.tx_hash) <> 66 OR t.tx_hash !~ ${HEX}) THEN 'malformed_tx_hash' END,
          CASE WHEN t.created_at > ${future}::timestamptz OR t.completed_at > ${future}::timestamptz
            THEN 'future_timestamp' END,
          CASE WHEN t.status IN ('pending', 'authorized') AND t.created_at < ${stale}::timestamptz
            THEN 'stale_reservation' END
        ] AS kinds
      FROM transactions t
      WHERE (t.status = 'completed' AND (t.amount_micro <= 0 OR coalesce(t.tx_hash, '') = ''))
        OR (t.tx_hash <> '' AND (length(t.tx_hash) <> 66 OR t.tx_hash !~ ${HEX}))
        OR t.created_at > ${future}::timestamptz OR t.completed_at > ${future}::timestamptz
        OR (t.status IN ('pending', 'authorized') AND t.created_at < ${stale}::timestamptz)
    ), listed AS (
      SELECT f.*, k.kind, count(*) OVER (PARTITION BY k.kind) AS total,
        row_number() OVER (PARTITION BY k.kind ORDER BY f.created_at, f.id) AS n
      FROM flagged f CROSS JOIN LATERAL unnest(f.kinds) AS k(kind)
      WHERE k.kind IS NOT NULL
    )
    SELECT kind, id, agent_id, status::text AS status, amount_micro, tx_hash,
      created_at, completed_at, valid_before, total
    FROM listed WHERE n <= ${FINDINGS_PER_KIND}
    ORDER BY kind, n`);

  const nonces = await db.execute<{
    payer: string;
    nonce: string;
    ids: string[];
    agents: string[];
    statuses: string[];
    total: bigint;
  }>(sql`
    SELECT lower(coalesce(payer, '')) AS payer, lower(nonce) AS nonce,
      array_agg(id ORDER BY created_at, id) AS ids, array_agg(agent_id ORDER BY created_at, id) AS agents,
      array_agg(status::text ORDER BY created_at, id) AS statuses, count(*) OVER () AS total
    FROM transactions
    WHERE coalesce(nonce, '') <> ''
    GROUP BY 1, 2
    HAVING count(*) > 1
    ORDER BY min(created_at), 1, 2
    LIMIT ${FINDINGS_PER_KIND}`);

  // The engine records a refusal before it knows the agent (kill switch) or because it does not
  // know it: those rejected rows are the refusals themselves, not orphaned data.
  const orphans = await db.execute<{
    agent_id: string;
    rows: bigint;
    spent: bigint;
    reserved: bigint;
    ids: string[];
    first_at: string;
    last_at: string;
    total: bigint;
  }>(sql`
    SELECT t.agent_id, count(*) AS rows,
      coalesce(sum(t.amount_micro) FILTER (WHERE t.status = 'completed'), 0)::bigint AS spent,
      coalesce(sum(t.amount_micro) FILTER (WHERE t.status IN ('pending', 'authorized', 'awaiting_approval')), 0)::bigint
        AS reserved,
      (array_agg(t.id ORDER BY t.created_at, t.id))[1:10] AS ids,
      min(t.created_at) AS first_at, max(t.created_at) AS last_at,
      count(*) OVER () AS total
    FROM transactions t
    WHERE NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = t.agent_id)
      AND NOT (t.status = 'rejected' AND coalesce(t.error_code, '') IN ('unknown_agent', 'payments_disabled'))
    GROUP BY t.agent_id
    ORDER BY t.agent_id
    LIMIT ${FINDINGS_PER_KIND}`);

  const perRow = ROW_KINDS.map((kind) => {
    const rows = flagged.filter((r) => r.kind === kind);
    return kindResult(
      kind,
      rows,
      rows.map((r) => ({
        kind,
        agentId: r.agent_id,
        transactionIds: [r.id],
        ...describeRow(r, now, futureAfter),
      })),
    );
  });
  const duplicate = kindResult(
    "duplicate_nonce",
    nonces,
    nonces.map((n) => ({
      kind: "duplicate_nonce" as FindingKind,
      message: `nonce ${n.nonce} of payer ${n.payer || "(none)"} is on ${n.ids.length} rows: ${n.ids.map((id, i) => `${id} (${n.agents[i]}, ${n.statuses[i]})`).join(", ")}`,
      agentId: n.agents[0] ?? null,
      transactionIds: n.ids,
      figures: {
        payer: n.payer || null,
        nonce: n.nonce,
        rows: n.ids.length,
        agents: [...new Set(n.agents)].join(","),
      },
    })),
  );
  const unknown = kindResult(
    "unknown_agent",
    orphans,
    orphans.map((o) => ({
      kind: "unknown_agent" as FindingKind,
      message: `${o.rows} ledger rows (${o.first_at} to ${o.last_at}) belong to ${o.agent_id}, which is not an agent: ${formatDollars(o.spent)} spent, ${formatDollars(o.reserved)} reserved`,
      agentId: o.agent_id,
      transactionIds: o.ids,
      figures: {
        rows: Number(o.rows),
        spentMicro: o.spent.toString(),
        reservedMicro: o.reserved.toString(),
        firstAt: o.first_at,
        lastAt: o.last_at,
      },
    })),
  );
  return [duplicate, ...perRow, unknown];
}
