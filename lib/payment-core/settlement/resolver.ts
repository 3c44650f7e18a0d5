import { sql } from "drizzle-orm";
import type { Address, Hex, PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { BudgetEngine, FinishResult } from "../budgets/engine";
import { readPermit2Outcome } from "../chain/permit2";
import { blockAtOrBefore, readAuthorizationOutcome } from "../chain/usdc-events";
import { sweepLeases, withLease } from "../jobs/leases";
import type { PaymentEventSink } from "../ledger/events";
import { formatDollars, type Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import { type CancelConfig, cancelAuthorization } from "./cancel";
import { cancelPermit2Nonce } from "./cancel-permit2";
import { OWNER_GONE } from "./owner";

/**
 * The settlement resolver: closes ledger rows whose outcome is still open (`pending`,
 * `authorized`) by asking the chain, never the vendor. The rule it enforces:
 *
 *   a reservation is released only when it is proven that the signed authorization can never
 *   move money: its nonce is unused AND (validBefore has passed in chain time, or a
 *   cancelAuthorization for it was mined). A used nonce is captured: the row becomes
 *   `completed` with the hash, amount, payee and block time read from the chain.
 *
 * Safe to run from several processes at once: each row is taken under its lease, a row in the
 * `leases` table (a row another resolver holds is skipped), and every budget change goes
 * through the engine, which finishes a row at most once. Each resolution writes the audit log
 * in the same transaction as the change.
 */

export interface ResolverDeps {
  db: Database;
  engine: BudgetEngine;
  client: PublicClient;
  usdcAddress: Address;
  /** The payer whose authorizations these are (rows store it too; this is the fallback). */
  payerAddress: Address | null;
  /** Needed to cancel on chain; without it unused authorizations wait for expiry. */
  cancel?: CancelConfig | null;
  clock?: Clock;
  /** Each resolution is also stored as the row's `settlement` event (buffered; ledger/events.ts). */
  events?: PaymentEventSink;
}

export interface ResolveOptions {
  /**
   * Open rows created before now − staleAfterMs, past validBefore, signed rows whose request
   * already ended without a settlement, or signed by a process that is gone (owner.ts) are resolved.
   */
  staleAfterMs: number;
  /** Only these rows, whatever their age (console buttons, `x402 settle --id`, a replayed key). */
  ids?: string[];
  /** Every open row, whatever its age (the kill switch's "cancel outstanding authorizations"). */
  allOpen?: boolean;
  /** Cancel unused authorizations that are still valid, instead of holding them to expiry. */
  cancel?: boolean;
  actor: string;
  /** At most this many rows per run (default 500). */
  limit?: number;
}

export type ResolutionOutcome =
  /** Used on chain: completed with the chain's hash and amount; the reservation became spend. */
  | "captured"
  /** Proven unpaid (never signed, or unused and expired): failed, reservation released. */
  | "released"
  /** Cancelled on chain, reservation released. */
  | "cancelled"
  /** Not provable yet: the reservation stays held. */
  | "held"
  /** Another resolver holds the row, or it was no longer open. */
  | "skipped";

export interface Resolution {
  transactionId: string;
  agentId: string;
  from: string;
  outcome: ResolutionOutcome;
  /** Stable reason code: settled_on_chain, never_signed, authorization_expired, ... */
  code: string;
  message: string;
  amountMicro: Micro;
  txHash?: string | null;
  heldUntil?: string | null;
}

export interface ResolveReport {
  scanned: number;
  resolutions: Resolution[];
  counts: Record<ResolutionOutcome, number>;
}

type OpenRow = {
  id: string;
  agent_id: string;
  status: string;
  amount_micro: bigint;
  nonce: string | null;
  payer: string | null;
  /** UTC ISO text (db/client.ts). */
  valid_before: string | null;
  created_at: string;
  /** `exact` (EIP-3009 nonce) or `upto` (Permit2 nonce; amount_micro is the reserved maximum while open). */
  scheme: string;
};

const OPEN_ROW =
  "id, agent_id, status::text AS status, amount_micro, nonce, payer, valid_before, created_at, scheme";

/**
 * Each row is resolved holding its lease (`settle:<id>`, lib/payment-core/jobs/leases.ts), so two
 * resolvers (the schedule, an operator's button, another process) never act on one row at once;
 * renewed while the chain is read, and freed by expiry this long after a resolver that died.
 */
const RESOLVER_LEASE_TTL_MS = 60_000;

export async function resolveOpenTransactions(
  deps: ResolverDeps,
  options: ResolveOptions,
): Promise<ResolveReport> {
  const now = (deps.clock ?? systemClock)();
  const staleBefore = new Date(now.getTime() - options.staleAfterMs).toISOString();
  const limit = options.limit ?? 500;
  const rows = options.ids
    ? await deps.db.execute<OpenRow>(sql`
        SELECT ${sql.raw(OPEN_ROW)}
        FROM transactions WHERE id = ANY(${sql.param(options.ids)}::text[]) ORDER BY created_at`)
    : await deps.db.execute<OpenRow>(sql`
        SELECT ${sql.raw(OPEN_ROW)}
        FROM transactions
        WHERE status IN ('pending', 'authorized') AND (${options.allOpen === true}
          OR created_at < ${staleBefore}::timestamptz OR valid_before < ${now.toISOString()}::timestamptz
            -- signed, and the request ended without a settlement: check the chain at once
            OR (status = 'authorized' AND error_code IS NOT NULL)
            -- signed by a process that is gone (owner.ts): its request cannot still be running
            OR (status = 'authorized' AND ${sql.raw(OWNER_GONE)}))
        ORDER BY created_at LIMIT ${limit}`);

  const resolutions: Resolution[] = [];
  for (const row of rows) {
    // A row asked for by id (an operator's button, a retried key) waits up to ~2 s for a
    // scheduled run that holds it; a scan just moves on.
    try {
      const leased = await withLease(
        deps.db,
        `settle:${row.id}`,
        { ttlMs: RESOLVER_LEASE_TTL_MS, waitMs: options.ids ? 2_000 : 0 },
        () => resolveRow(deps, options, row, now, staleBefore),
      );
      resolutions.push(
        leased.acquired
          ? leased.value
          : result(row, "skipped", "locked", "another resolver is resolving this row"),
      );
    } catch (error) {
      // One row's chain read failing (an RPC hiccup) must not stop the others: it stays held.
      const short = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
      resolutions.push(result(row, "held", "chain_error", `could not read the chain: ${short}`));
    }
  }
  if (rows.length > 0) await sweepLeases(deps.db);
  const counts: Record<ResolutionOutcome, number> = {
    captured: 0,
    released: 0,
    cancelled: 0,
    held: 0,
    skipped: 0,
  };
  for (const r of resolutions) {
    counts[r.outcome]++;
    if (r.outcome === "skipped") continue;
    deps.events?.record({
      transactionId: r.transactionId,
      event: "settlement",
      level: r.outcome === "held" ? "warn" : "info",
      message: r.message,
      fields: {
        outcome: r.outcome,
        from: r.from,
        code: r.code,
        amountMicro: r.amountMicro.toString(),
        ...(r.txHash ? { txHash: r.txHash } : {}),
        ...(r.heldUntil ? { heldUntil: r.heldUntil } : {}),
        actor: options.actor,
      },
    });
  }
  return { scanned: rows.length, resolutions, counts };
}

function result(
  row: OpenRow,
  outcome: ResolutionOutcome,
  code: string,
  message: string,
  extra: Partial<Resolution> = {},
): Resolution {
  return {
    transactionId: row.id,
    agentId: row.agent_id,
    from: row.status,
    outcome,
    code,
    message,
    amountMicro: row.amount_micro,
    ...extra,
  };
}

/** A finish the engine refused because the row moved on meanwhile: report, don't fail the run. */
function finished(row: OpenRow, r: FinishResult, resolution: Resolution) {
  if (r.ok)
    return r.replayed ? result(row, "skipped", "already_resolved", `already ${r.status}`) : resolution;
  return result(row, "skipped", r.code, r.message);
}

async function resolveRow(
  deps: ResolverDeps,
  options: ResolveOptions,
  row: OpenRow,
  now: Date,
  staleBefore: string,
): Promise<Resolution> {
  const { engine } = deps;
  const audit = (action: string, reason: string) => ({ actor: options.actor, action, reason });
  // Re-read under the lock: another process may have finished it since the scan.
  const [current] = await deps.db.execute<OpenRow>(sql`
    SELECT ${sql.raw(OPEN_ROW)}
    FROM transactions WHERE id = ${row.id}`);
  if (!current) return result(row, "skipped", "transaction_not_found", `no transaction ${row.id}`);
  row = current;
  const capturable = row.status === "failed" && row.nonce !== null;
  if (row.status !== "pending" && row.status !== "authorized" && !capturable) {
    return result(row, "skipped", "not_open", `already ${row.status}`);
  }
  const stale = new Date(row.created_at).toISOString() < staleBefore;

  if (!row.nonce) {
    // Nothing was signed: the payer records the nonce before the signed request leaves.
    if (!stale) {
      return result(row, "held", "in_progress", "reserved, not signed yet; still within the stale timeout");
    }
    const message = `nothing was signed; the reservation was released after ${Math.round(options.staleAfterMs / 1000)} s`;
    const r = await engine.release(row.id, "stale_reservation", message, {
      audit: audit("transaction.release", message),
    });
    return finished(row, r, result(row, "released", "never_signed", message));
  }

  const nonce = row.nonce as Hex;
  const payer = (row.payer ?? deps.payerAddress) as Address | null;
  if (!payer) return result(row, "held", "payer_unknown", "the row has no payer address to check");
  const createdAt = new Date(row.created_at);
  const fromBlock = () => blockAtOrBefore(deps.client, new Date(createdAt.getTime() - 120_000));
  // `exact`: USDC's EIP-3009 authorization state; `upto`: Permit2's nonce bitmap (chain/permit2.ts).
  const readOutcome = row.scheme === "upto" ? readPermit2Outcome : readAuthorizationOutcome;
  const outcome = await readOutcome(deps.client, deps.usdcAddress, payer, nonce, () => fromBlock());

  if (outcome.state === "used") {
    const t = outcome.transfer;
    // `upto`: the chain's amount may be below the reserved maximum; the capture releases the rest.
    const partial =
      row.scheme === "upto" && t.amountMicro < row.amount_micro
        ? ` of at most ${formatDollars(row.amount_micro)}; ${formatDollars(row.amount_micro - t.amountMicro)} released`
        : "";
    const message = `settled on chain in ${t.txHash} (block ${t.blockNumber}): ${formatDollars(t.amountMicro)}${partial} to ${t.to}`;
    const r = await engine.capture(
      row.id,
      t.amountMicro,
      t.txHash,
      {
        payee: t.to,
        blockNumber: t.blockNumber,
        completedAt: outcome.blockTime,
        metadata: { settlement: { source: "chain", resolved_by: options.actor } },
        audit: audit("transaction.capture", message),
      },
      { fromFailed: row.status === "failed" },
    );
    return finished(
      row,
      r,
      result(row, "captured", "settled_on_chain", message, { txHash: t.txHash, amountMicro: t.amountMicro }),
    );
  }
  if (row.status === "failed") {
    return result(row, "skipped", "not_used", "failed, and the chain shows the authorization unused");
  }
  if (outcome.state === "cancelled") {
    const message = `the authorization was cancelled on chain in ${outcome.txHash}`;
    const r = await engine.release(
      row.id,
      "authorization_cancelled",
      message,
      {
        metadata: { cancel_tx: outcome.txHash },
        audit: audit("transaction.cancel", message),
      },
      { as: "cancelled" },
    );
    return finished(row, r, result(row, "cancelled", "authorization_cancelled", message));
  }
  if (outcome.state === "used_unlocated") {
    return result(
      row,
      "held",
      "used_unlocated",
      "the nonce is spent on chain but its transfer was not found; held",
    );
  }

  // Unused. Expired in chain time (what the contract compares) means it can never be used.
  const validBefore = row.valid_before ? new Date(row.valid_before) : null;
  const latest = await deps.client.getBlock({ blockTag: "latest" });
  const chainNow = new Date(Number(latest.timestamp) * 1000);
  // EIP-3009 needs now < validBefore; Permit2 accepts up to and including its deadline.
  const expired = validBefore && (row.scheme === "upto" ? chainNow > validBefore : chainNow >= validBefore);
  if (expired) {
    const message = `the authorization expired unused at ${validBefore.toISOString()} (chain time ${chainNow.toISOString()})`;
    const r = await engine.release(row.id, "authorization_expired", message, {
      audit: audit("transaction.release", message),
    });
    return finished(row, r, result(row, "released", "authorization_expired", message));
  }
  const heldUntil = validBefore?.toISOString() ?? null;
  if (!options.cancel) {
    return result(
      row,
      "held",
      "authorization_live",
      `unused and valid until ${heldUntil ?? "unknown"}; the reservation holds until it expires or is cancelled`,
      { heldUntil },
    );
  }
  if (!deps.cancel) {
    return result(row, "held", "cannot_cancel", "no payer key is configured to sign a cancellation", {
      heldUntil,
    });
  }
  const cancelled =
    row.scheme === "upto"
      ? await cancelPermit2Nonce(deps.client, deps.cancel, nonce)
      : await cancelAuthorization(deps.client, deps.cancel, nonce);
  if (cancelled.ok && row.scheme === "upto") {
    // Permit2 invalidates a nonce the vendor used meanwhile without reverting: read it again,
    // and capture a settlement that got there first.
    const again = await readOutcome(deps.client, deps.usdcAddress, payer, nonce, fromBlock);
    if (again.state === "used") return resolveRow(deps, options, row, now, staleBefore);
  }
  if (!cancelled.ok) {
    if (cancelled.code === "cancel_reverted") {
      // Most likely the vendor settled it meanwhile: look again.
      const again = await readOutcome(deps.client, deps.usdcAddress, payer, nonce, fromBlock);
      if (again.state === "used" || again.state === "cancelled")
        return resolveRow(deps, options, row, now, staleBefore);
    }
    return result(row, "held", cancelled.code, cancelled.message, { heldUntil });
  }
  const message = `cancelled on chain in ${cancelled.txHash} (block ${cancelled.blockNumber})`;
  const r = await engine.release(
    row.id,
    "authorization_cancelled",
    message,
    {
      metadata: { cancel_tx: cancelled.txHash },
      audit: audit("transaction.cancel", message),
    },
    { as: "cancelled" },
  );
  return finished(
    row,
    r,
    result(row, "cancelled", "authorization_cancelled", message, {
      txHash: cancelled.txHash,
    }),
  );
}
