import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { InvalidInputError } from "../support/errors";
import { writeAudit } from "./write";

/**
 * The audit log's hash chain (migration 0013). Each row's `hash` is
 * SHA-256(prev_hash || canonical JSON of the row), `prev_hash` the previous row's hash (64 zeros
 * for the first), `seq` its position (1, 2, 3, …). The insert trigger writes them; this module
 * checks them. The canonical JSON is rebuilt here from the columns with the same expression the
 * trigger's `audit_log_canonical()` uses, written out in this file rather than called: verify must
 * not trust a function stored in the database it checks.
 */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The canonical JSON of row `a`: the array [seq, id, at, actor, action, targetType, targetId,
 * before, after, reason], jsonb as PostgreSQL prints it (the migration's audit_log_canonical).
 */
const CANONICAL = sql.raw(`'[' || a.seq || ',' || a.id || ',"'
    || to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '",'
    || to_json(a.actor)::text || ',' || to_json(a.action)::text || ',' || to_json(a.target_type)::text || ','
    || coalesce(to_json(a.target_id)::text, 'null') || ',' || coalesce(a.before::text, 'null') || ','
    || coalesce(a.after::text, 'null') || ',' || coalesce(to_json(a.reason)::text, 'null') || ']'`);

/** How many seq ranges verify checks at once, each on its own connection (the scan is CPU-bound). */
const DEFAULT_PARALLEL = 4;

export type ChainBreakKind =
  /** The row's content no longer hashes to its `hash`: it was edited. */
  | "row_edited"
  /** The row's `prev_hash` is not the previous row's hash: rows were removed, reordered or forged. */
  | "link_broken"
  /** `seq` jumps: the rows between are gone. */
  | "rows_missing"
  /** The head the chain records is past the last row: the last rows are gone. */
  | "tail_missing"
  /** A hash published earlier (the digest's head) is not the hash of that row now. */
  | "anchor_mismatch";

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The first row that breaks the chain (for tail_missing, the first missing position). */
  seq: number;
  id: string | null;
  action: string | null;
  at: string | null;
  expected: string;
  found: string;
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  rows: number;
  head: { seq: number; hash: string };
  firstBreak: ChainBreak | null;
  durationMs: number;
}

export interface ChainAnchor {
  seq: number;
  hash: string;
}

/** Reads `seq:hash` (the form the digest publishes); anything else is invalid input. */
export function parseAnchor(text: string): ChainAnchor {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/i.exec(text.trim());
  // Row 0 is the empty log's head: only the genesis hash can be it.
  if (!m?.[1] || !m[2] || (Number(m[1]) === 0 && m[2] !== GENESIS_HASH)) {
    throw new InvalidInputError(
      "invalid_anchor",
      "an anchor is <seq>:<64 hex digits>, as the digest prints it",
      {
        anchor: text.slice(0, 200),
      },
    );
  }
  return { seq: Number(m[1]), hash: m[2].toLowerCase() };
}

/** [lo, hi] cut into at most `parts` contiguous ranges (none when the log is empty). */
function splitRange(lo: number, hi: number, parts: number): [number, number][] {
  if (hi < lo) return [];
  const size = Math.ceil((hi - lo + 1) / Math.max(1, parts));
  const out: [number, number][] = [];
  for (let from = lo; from <= hi; from += size) out.push([from, Math.min(hi, from + size - 1)]);
  return out;
}

/** The first row in seq [lo, hi] whose hash, link or position is wrong, if any. */
async function firstBreakIn(db: DbOrTx, lo: number, hi: number): Promise<BreakRow | undefined> {
  const [row] = await db.execute<BreakRow>(
    sql`
    SELECT seq::text, id::text, action, at, prev_hash, hash, computed, prev_row_hash, prev_seq::text
    FROM (
      SELECT a.seq, a.id, a.action, a.at, a.prev_hash, a.hash,
        lag(a.hash) OVER w AS prev_row_hash, lag(a.seq) OVER w AS prev_seq,
        encode(sha256(convert_to(a.prev_hash || ${CANONICAL}, 'UTF8')), 'hex') AS computed
      FROM audit_log a
      WHERE a.seq >= coalesce((SELECT max(seq) FROM audit_log WHERE seq < ${lo}), ${lo}) AND a.seq <= ${hi}
      WINDOW w AS (ORDER BY a.seq)
    ) c
    WHERE c.seq >= ${lo} AND (c.computed <> c.hash
      OR c.prev_hash <> coalesce(c.prev_row_hash, ${sql.raw(`'${GENESIS_HASH}'`)})
      OR c.seq <> coalesce(c.prev_seq, 0) + 1)
    ORDER BY c.seq
    LIMIT 1`,
  );
  return row;
}

type BreakRow = {
  seq: string;
  id: string;
  action: string;
  at: string;
  prev_hash: string;
  hash: string;
  computed: string;
  prev_row_hash: string | null;
  prev_seq: string | null;
};

function describeBreak(row: BreakRow): ChainBreak {
  const seq = Number(row.seq);
  const base = { seq, id: row.id, action: row.action, at: row.at };
  const prevSeq = row.prev_seq === null ? 0 : Number(row.prev_seq);
  if (seq !== prevSeq + 1) {
    return {
      ...base,
      kind: "rows_missing",
      expected: String(prevSeq + 1),
      found: String(seq),
      message: `rows ${prevSeq + 1}…${seq - 1} are missing before row ${seq} (id ${row.id})`,
    };
  }
  if (row.computed !== row.hash) {
    return {
      ...base,
      kind: "row_edited",
      expected: row.hash,
      found: row.computed,
      message: `row ${seq} (id ${row.id}, ${row.action}) was changed after it was written: its content hashes to ${row.computed.slice(0, 12)}…, the chain recorded ${row.hash.slice(0, 12)}…`,
    };
  }
  const expected = row.prev_row_hash ?? GENESIS_HASH;
  return {
    ...base,
    kind: "link_broken",
    expected,
    found: row.prev_hash,
    message: `row ${seq} (id ${row.id}, ${row.action}) does not follow the row before it: prev_hash ${row.prev_hash.slice(0, 12)}…, the previous row's hash is ${expected.slice(0, 12)}…`,
  };
}

/**
 * Checks the whole chain in one ordered scan (hashes computed by PostgreSQL, the expression
 * from this file) and names the first row that breaks it. With `anchors` (heads published
 * earlier), each must still be the hash of its row: a chain rewritten from some row on, with
 * every later hash recomputed, verifies on its own but not against what went out.
 */
export async function verifyAuditChain(
  db: DbOrTx,
  options: { anchors?: ChainAnchor[]; parallel?: number } = {},
): Promise<ChainVerification> {
  const started = performance.now();
  const [bounds] = await db.execute<{ lo: string | null; hi: string | null }>(sql`
    SELECT min(seq)::text AS lo, max(seq)::text AS hi FROM audit_log`);
  const ranges = splitRange(
    Number(bounds?.lo ?? 1),
    Number(bounds?.hi ?? 0),
    options.parallel ?? DEFAULT_PARALLEL,
  );
  // Each range is checked from the row before it, so every link is checked exactly once.
  const found = await Promise.all(ranges.map(([lo, hi]) => firstBreakIn(db, lo, hi)));
  const broken = found.find((row) => row !== undefined);
  const [stats] = await db.execute<{ rows: string; last_seq: string | null; last_hash: string | null }>(sql`
    SELECT count(*)::text AS rows, max(seq)::text AS last_seq,
      (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS last_hash
    FROM audit_log`);
  const [recorded] = await db.execute<{ seq: string; hash: string }>(
    sql`SELECT seq::text, hash FROM audit_chain_head`,
  );
  const rows = Number(stats?.rows ?? 0);
  const head = {
    seq: stats?.last_seq ? Number(stats.last_seq) : 0,
    hash: stats?.last_hash ?? GENESIS_HASH,
  };
  let firstBreak: ChainBreak | null = broken ? describeBreak(broken) : null;
  if (!firstBreak && recorded && Number(recorded.seq) > head.seq) {
    firstBreak = {
      kind: "tail_missing",
      seq: head.seq + 1,
      id: null,
      action: null,
      at: null,
      expected: `${recorded.seq}:${recorded.hash}`,
      found: `${head.seq}:${head.hash}`,
      message: `the chain's head is row ${recorded.seq}, the last row is ${head.seq}: rows ${head.seq + 1}…${recorded.seq} are missing`,
    };
  }
  if (!firstBreak) {
    for (const anchor of options.anchors ?? []) {
      if (anchor.seq === 0) continue; // the empty log's head precedes every row
      const [row] = await db.execute<{ id: string; action: string; at: string; hash: string }>(sql`
        SELECT id::text, action, at, hash FROM audit_log WHERE seq = ${anchor.seq}`);
      if (row?.hash === anchor.hash) continue;
      firstBreak = {
        kind: "anchor_mismatch",
        seq: anchor.seq,
        id: row?.id ?? null,
        action: row?.action ?? null,
        at: row?.at ?? null,
        expected: anchor.hash,
        found: row?.hash ?? "(no such row)",
        message: row
          ? `row ${anchor.seq} (id ${row.id}) hashes to ${row.hash.slice(0, 12)}… now; ${anchor.hash.slice(0, 12)}… was published: the chain was rewritten`
          : `row ${anchor.seq} was published as ${anchor.hash.slice(0, 12)}… and is not in the log now`,
      };
      break;
    }
  }
  return {
    ok: firstBreak === null,
    rows,
    head,
    firstBreak,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The chain's head as the log holds it now (seq 0 and the genesis hash when empty). */
export async function auditChainHead(db: DbOrTx): Promise<{ seq: number; hash: string }> {
  const [row] = await db.execute<{ seq: string; hash: string }>(sql`
    SELECT seq::text, hash FROM audit_log ORDER BY seq DESC LIMIT 1`);
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

/**
 * Writes the head into the log itself (`audit_log.head_published`, the head's seq and hash in
 * `after`) at most once per UTC day, in the caller's transaction (the digest enqueues the same
 * pair in it), and returns what was published. The row records the head before it, so the
 * published pair stays checkable as an anchor.
 */
export async function publishAuditHead(
  tx: DbOrTx,
  deps: { now: Date; actor?: string },
): Promise<{ published: boolean; day: string; seq: number; hash: string }> {
  const day = deps.now.toISOString().slice(0, 10);
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('x402.audit_head', 0))`);
  const head = await auditChainHead(tx);
  const [already] = await tx.execute<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM audit_log
    WHERE action = 'audit_log.head_published' AND target_id = ${day}`);
  if ((already?.n ?? 0) > 0) return { published: false, day, ...head };
  await writeAudit(tx, {
    actor: deps.actor ?? "system:digest",
    action: "audit_log.head_published",
    targetType: "audit_log",
    targetId: day,
    after: { seq: head.seq, hash: head.hash, anchor: `${head.seq}:${head.hash}` },
  });
  return { published: true, day, ...head };
}
