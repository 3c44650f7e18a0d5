import { sql } from "drizzle-orm";
import type { Hex, PublicClient } from "viem";
import type { Database } from "@/db/client";
import { isoMs } from "@/db/sql";
import { type AgentPaymentStatus, agentPaymentStatus } from "../agents/payment-status";
import { type BudgetConfig, effectiveLimits, LIMIT_KINDS, type LimitKind } from "../budgets/config";
import { type AgentUsage, getLimits, listUsage } from "../budgets/usage";
import { getKillSwitch } from "../runtime/kill-switch";
import type { Micro } from "../support/money";
import { type Clock, systemClock, utcDay, utcMonthStart } from "../support/time";
import { type ChainRead, readChainBounded } from "../treasury/wallet-view";
import { listPaymentEvents, type StoredPaymentEvent } from "./events";
import { type NextStep, nextStep } from "./next-step";
import { getTransaction, type LedgerTransaction } from "./read";

/**
 * Everything the guide's troubleshooting steps 1-4 ask about one payment, read once for the
 * transaction page and `x402 ledger show`: the row and what to do next, the agent's budget when it
 * paid and now, the resolver's history and the row's stored log lines. The wallet balance and the
 * chain receipt are chain reads the caller makes, bounded (readChainReceipt below, readWalletView).
 */

export interface WindowAtPayment {
  /** The window's first day (UTC). */
  start: string;
  /** Completed payments of the agent created in the window before this row. */
  spentBeforeMicro: Micro;
  payments: number;
  limitMicro: Micro;
}

export interface BudgetAtPayment {
  day: WindowAtPayment;
  month: WindowAtPayment;
  perTransactionMaxMicro: Micro;
  /**
   * `history`: the limits in force then, from the console's changes in the audit log (a limit
   * from the environment has no history and is today's value); `today`: no change since the
   * payment, so today's limits are the ones it met.
   */
  limitsFrom: "history" | "today";
}

export interface ResolverStep {
  at: string;
  actor: string;
  /** `transaction.capture`, `transaction.release`, `transaction.cancel`, `transaction.refund`... */
  action: string;
  reason: string | null;
}

export interface Troubleshooting {
  transaction: LedgerTransaction;
  next: NextStep;
  budgetAtPayment: BudgetAtPayment;
  /** Null when the agent no longer exists. */
  budgetNow: AgentUsage | null;
  statusNow: AgentPaymentStatus | null;
  history: ResolverStep[];
  events: StoredPaymentEvent[];
}

type LimitChange = { kind: LimitKind; at: string; before: Micro | null; after: Micro | null };

function parseChange(at: string, before: unknown, after: unknown): LimitChange | null {
  const b = before as { kind?: unknown; limitMicro?: unknown } | null;
  const a = after as { kind?: unknown; limitMicro?: unknown } | null;
  if (!a || !LIMIT_KINDS.includes(a.kind as LimitKind)) return null;
  const micro = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? BigInt(v) : null);
  return { kind: a.kind as LimitKind, at, before: micro(b?.limitMicro), after: micro(a.limitMicro) };
}

/** The agent's spend before `row` in its UTC day and month, and the limits it met. */
export async function budgetAtPayment(
  db: Database,
  config: BudgetConfig,
  row: Pick<LedgerTransaction, "id" | "agentId" | "createdAt">,
): Promise<BudgetAtPayment> {
  const at = new Date(row.createdAt);
  const day = utcDay(at);
  const month = utcMonthStart(at);
  const [spend, changes, now] = await Promise.all([
    db.execute<{ day_spent: bigint; day_n: bigint; month_spent: bigint; month_n: bigint }>(sql`
      SELECT coalesce(sum(amount_micro) FILTER (WHERE created_at >= ${day}::date), 0)::bigint AS day_spent,
             count(*) FILTER (WHERE created_at >= ${day}::date) AS day_n,
             coalesce(sum(amount_micro), 0)::bigint AS month_spent, count(*) AS month_n
      FROM transactions
      WHERE agent_id = ${row.agentId} AND status = 'completed' AND id <> ${row.id}
        AND created_at >= ${month}::date AND created_at < ${row.createdAt}::timestamptz`),
    db.execute<{ at: string; before: unknown; after: unknown }>(sql`
      SELECT at, before, after FROM audit_log
      WHERE action = 'budget.limit_set' AND target_type = 'agent' AND target_id = ${row.agentId}
      ORDER BY at, id`),
    getLimits(db, config, row.agentId),
  ]);
  const fallback = effectiveLimits(config, row.agentId, []);
  const parsed = changes.flatMap((c) => parseChange(isoMs(c.at), c.before, c.after) ?? []);
  const changedSince = parsed.some((c) => c.at > row.createdAt);
  const limitThen = (kind: LimitKind): Micro => {
    const steps = parsed.filter((c) => c.kind === kind);
    if (steps.length === 0) return now[kind].limitMicro;
    const last = steps.filter((c) => c.at <= row.createdAt).at(-1);
    if (last) return last.after ?? fallback[kind].limitMicro;
    return steps[0]?.before ?? fallback[kind].limitMicro;
  };
  const s = spend[0];
  return {
    day: {
      start: day,
      spentBeforeMicro: s?.day_spent ?? 0n,
      payments: Number(s?.day_n ?? 0n),
      limitMicro: limitThen("daily"),
    },
    month: {
      start: month,
      spentBeforeMicro: s?.month_spent ?? 0n,
      payments: Number(s?.month_n ?? 0n),
      limitMicro: limitThen("monthly"),
    },
    perTransactionMaxMicro: limitThen("per_transaction"),
    limitsFrom: changedSince ? "history" : "today",
  };
}

/** The settlement resolver's (and refunds') audit rows for this transaction, oldest first. */
export async function resolverHistory(db: Database, id: string): Promise<ResolverStep[]> {
  const rows = await db.execute<{ at: string; actor: string; action: string; reason: string | null }>(sql`
    SELECT at, actor, action, reason FROM audit_log
    WHERE target_type = 'transaction' AND target_id = ${id}
    ORDER BY at, id LIMIT 50`);
  return rows.map((r) => ({ at: isoMs(r.at), actor: r.actor, action: r.action, reason: r.reason }));
}

export async function getTroubleshooting(
  db: Database,
  config: BudgetConfig,
  id: string,
  options: { clock?: Clock } = {},
): Promise<Troubleshooting | null> {
  const transaction = await getTransaction(db, id);
  if (!transaction) return null;
  const clock = options.clock ?? systemClock;
  const [budget, usage, killSwitch, history, events] = await Promise.all([
    budgetAtPayment(db, config, transaction),
    listUsage(db, config, { agentIds: [transaction.agentId], clock }),
    getKillSwitch(db, config),
    resolverHistory(db, id),
    listPaymentEvents(db, id),
  ]);
  const budgetNow = usage[0] ?? null;
  return {
    transaction,
    next: nextStep(transaction),
    budgetAtPayment: budget,
    budgetNow,
    statusNow: budgetNow ? agentPaymentStatus(budgetNow, { killSwitch: killSwitch.enabled }) : null,
    history,
    events,
  };
}

export interface ChainReceipt {
  blockNumber: string;
  confirmations: string;
  /** `success` or `reverted`, as the chain's receipt says. */
  status: string;
}

/** The payment's on-chain receipt (block, confirmations), bounded in time like the wallet read. */
export function readChainReceipt(
  client: Pick<PublicClient, "getTransactionReceipt" | "getBlockNumber">,
  hash: string,
  options: { timeoutMs?: number } = {},
): Promise<ChainRead<ChainReceipt>> {
  return readChainBounded(
    async () => {
      const [receipt, head] = await Promise.all([
        client.getTransactionReceipt({ hash: hash as Hex }),
        // Uncached: a cached head can be older than the receipt's block.
        client.getBlockNumber({ cacheTime: 0 }),
      ]);
      return {
        blockNumber: receipt.blockNumber.toString(),
        confirmations: (head - receipt.blockNumber + 1n).toString(),
        status: receipt.status,
      };
    },
    { timeoutMs: options.timeoutMs, what: "receipt" },
  );
}
