import type { RefusalCode } from "../support/errors";
import { formatDollars, type Micro } from "../support/money";
import type { EffectiveLimits } from "./config";
import { describeRefusal, type FinishResult, type LedgerRow, OPEN } from "./results";

/**
 * The budget engine's decisions in TypeScript, without a database or a clock: given the figures of
 * the rows a batch has locked, whether each reservation fits (and, if not, the refusal with its
 * figures), and what a capture or release does to its ledger row. The engine itself decides on the
 * server, in the SQL function `budget_apply_batch` (migration 0011), so that a hot agent's window
 * locks are never held across a round trip; this is its model: engine-model.test.ts runs random
 * batches through both and requires the same answers, and the console's limit warnings are
 * checked against it (limit-warnings.test.ts). A rule changes in both places, or that test fails.
 */

/** One budget window (agent, UTC day or month) as locked for the batch: spent + reserved. */
export interface WindowFigures {
  spent: Micro;
  reserved: Micro;
  /** Changed by this batch, so written back. */
  dirty: boolean;
}

export interface ReserveRequest {
  agentId: string;
  amount: Micro;
  /** The vendor host the ledger row names ('' or absent: none; only the fleet's caps apply). */
  vendor?: string;
}

/** One fleet or vendor cap a reservation is checked against, with its locked window. */
export interface CapCheck {
  code:
    | "vendor_daily_limit_exceeded"
    | "vendor_monthly_limit_exceeded"
    | "fleet_daily_limit_exceeded"
    | "fleet_monthly_limit_exceeded";
  scope: "fleet" | "vendor" | "vendor_agent";
  vendor?: string;
  capAgentId?: string;
  limit: Micro;
  window: WindowFigures;
}

/** A refusal: its code, the words for it, and the figures behind it as decimal strings. */
export interface RefusalDecision {
  code: RefusalCode;
  message: string;
  figures: Record<string, string>;
}

/** What a reservation is checked against. Each look-up is made only when its check is reached. */
export interface ReserveContext {
  /** The kill switch: the configuration's or the database's. */
  killSwitch: boolean;
  hardLimitMicro: Micro;
  /** The agent's status; undefined when there is no such agent. */
  statusOf(agentId: string): string | undefined;
  limitsOf(agentId: string): EffectiveLimits;
  /** The agent's locked windows for today and this month (only asked for an active agent). */
  windowsOf(agentId: string): { day: WindowFigures; month: WindowFigures };
  /**
   * The caps that cover a reservation of `agentId` at `vendor`, in the order they are checked:
   * the vendor's for this agent (day, month), the vendor's for all agents (day, month), the
   * fleet's (day, month). Absent: no caps.
   */
  capsOf?(agentId: string, vendor: string): CapCheck[];
}

/**
 * The refusal for `request`, or undefined after taking its amount from both windows, so the
 * next request of the batch sees what this one reserved. Checks in order: kill switch, agent,
 * per-transaction max, hard limit, daily then monthly window (spent + reserved + amount ≤ limit).
 */
export function decideReserve(request: ReserveRequest, ctx: ReserveContext): RefusalDecision | undefined {
  const { agentId, amount } = request;
  const refuse = (
    code: RefusalCode,
    figures: {
      limitMicro?: Micro;
      usedMicro?: Micro;
      remainingMicro?: Micro;
      spentMicro?: Micro;
      reservedMicro?: Micro;
      vendor?: string;
      capAgentId?: string;
      scope?: CapCheck["scope"];
    } = {},
  ): RefusalDecision => {
    const message = describeRefusal(code, agentId, { ...figures, requestedMicro: amount });
    const text: Record<string, string> = { requestedMicro: amount.toString() };
    for (const [k, v] of Object.entries(figures)) if (v !== undefined) text[k] = String(v);
    return { code, message, figures: text };
  };
  if (ctx.killSwitch) return refuse("payments_disabled");
  const status = ctx.statusOf(agentId);
  if (status === undefined) return refuse("unknown_agent");
  if (status !== "active") return refuse("agent_paused");
  const limits = ctx.limitsOf(agentId);
  if (amount > limits.per_transaction.limitMicro) {
    return refuse("per_transaction_max_exceeded", { limitMicro: limits.per_transaction.limitMicro });
  }
  if (amount > ctx.hardLimitMicro) {
    return refuse("hard_limit_exceeded", { limitMicro: ctx.hardLimitMicro });
  }
  const { day, month } = ctx.windowsOf(agentId);
  for (const [code, w, limit] of [
    ["daily_limit_exceeded", day, limits.daily.limitMicro],
    ["monthly_limit_exceeded", month, limits.monthly.limitMicro],
  ] as const) {
    const used = w.spent + w.reserved;
    if (used + amount > limit) {
      return refuse(code, {
        limitMicro: limit,
        usedMicro: used,
        remainingMicro: limit > used ? limit - used : 0n,
      });
    }
  }
  const caps = ctx.capsOf?.(agentId, request.vendor ?? "") ?? [];
  for (const cap of caps) {
    const used = cap.window.spent + cap.window.reserved;
    if (used + amount > cap.limit) {
      return refuse(cap.code, {
        limitMicro: cap.limit,
        usedMicro: used,
        remainingMicro: cap.limit > used ? cap.limit - used : 0n,
        spentMicro: cap.window.spent,
        reservedMicro: cap.window.reserved,
        vendor: cap.vendor,
        capAgentId: cap.capAgentId,
        scope: cap.scope,
      });
    }
  }
  for (const w of [day, month, ...caps.map((c) => c.window)]) {
    w.reserved += amount;
    w.dirty = true;
  }
  return undefined;
}

/** A capture (the settled amount) or a release (how it ended) of one ledger row. */
export interface FinishRequest {
  kind: "capture" | "release";
  id: string;
  amount?: Micro;
  txHash?: string | null;
  releaseAs?: "failed" | "cancelled";
  /** capture: also from `failed` (the chain shows the money moved after all). */
  fromFailed?: boolean;
}

export type FinishDecision =
  /** Nothing changes: the answer is final (not found, a replay, not open, too much). */
  | { apply: false; result: FinishResult }
  | {
      apply: true;
      /** The locked row, changed by the caller once the decision is written. */
      row: LedgerRow;
      status: "completed" | "failed" | "cancelled";
      /** The row's new amount: the settled amount on a capture, the reserved one on a release. */
      amountMicro: Micro;
      /** Taken off the reserved figure of both windows (0 for a captured failed row). */
      unreserveMicro: Micro;
      /** Added to the spent figure of both windows. */
      spendMicro: Micro;
      txHash: string | null;
    };

/** What finishing `row` (locked, or undefined when there is none) as `request` does. */
export function decideFinish(request: FinishRequest, row: LedgerRow | undefined): FinishDecision {
  if (!row) {
    return {
      apply: false,
      result: {
        ok: false,
        transactionId: request.id,
        code: "transaction_not_found",
        message: `no transaction ${request.id}`,
      },
    };
  }
  const capture = request.kind === "capture";
  const capturing = capture && request.fromFailed === true && row.status === "failed";
  if (!OPEN.has(row.status) && !capturing) {
    const same =
      (capture &&
        row.status === "completed" &&
        row.tx_hash === (request.txHash ?? null) &&
        row.amount_micro === request.amount) ||
      (!capture && row.status === (request.releaseAs ?? "failed"));
    return {
      apply: false,
      result: same
        ? {
            ok: true,
            transactionId: row.id,
            status: row.status as "completed" | "failed" | "cancelled",
            amountMicro: row.amount_micro,
            txHash: row.tx_hash,
            replayed: true,
          }
        : {
            ok: false,
            transactionId: row.id,
            code: "not_pending",
            message: `transaction ${row.id} is ${row.status}, not pending, authorized or awaiting approval`,
            status: row.status,
          },
    };
  }
  if (capture && (request.amount ?? 0n) > row.amount_micro) {
    return {
      apply: false,
      result: {
        ok: false,
        transactionId: row.id,
        code: "amount_exceeds_reservation",
        message: `settled ${formatDollars(request.amount ?? 0n)} is more than the ${formatDollars(row.amount_micro)} reserved`,
        status: row.status,
      },
    };
  }
  const reserved = row.amount_micro;
  const spent = capture ? (request.amount ?? 0n) : 0n;
  return {
    apply: true,
    row,
    status: capture ? "completed" : (request.releaseAs ?? "failed"),
    amountMicro: capture ? spent : reserved,
    // A captured failed row holds no reservation any more: only its spend is added.
    unreserveMicro: capturing ? 0n : reserved,
    spendMicro: spent,
    txHash: capture ? (request.txHash ?? null) : null,
  };
}
