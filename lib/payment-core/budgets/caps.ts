import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { normalizeHost } from "../agents/vendor-policy";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { utcDay, utcMonthStart } from "../support/time";

/**
 * Budgets beyond one agent: a fleet-wide cap and per-vendor caps (a vendor is the host the
 * payment's URL named, `transactions.vendor_host`: vendor-host.ts; the `vendor` label for rows
 * without one), each a UTC-day and a UTC-month limit on spent + reserved, for all
 * agents together or for one agent at one vendor. `budget_apply_batch` enforces them in the
 * reservation's own transaction, under row locks on their windows (`budget_cap_usage`), so they
 * hold under any concurrency; a refusal is `fleet_daily_limit_exceeded`,
 * `fleet_monthly_limit_exceeded`, `vendor_daily_limit_exceeded` or `vendor_monthly_limit_exceeded`.
 *
 * Changing a cap: tightening one (lower, or a new cap where none was) is an operator's; loosening
 * (higher, or removed) needs an approver, as an agent's approval threshold does
 * (capChangeOperation). Each change is audited in its own transaction.
 */

export type CapPeriod = "day" | "month";

/** A cap's scope: `vendor` null is the fleet; `agentId` null is all agents together. */
export interface CapScope {
  vendor: string | null;
  agentId: string | null;
}

export interface CapWindow {
  limitMicro: Micro;
  spentMicro: Micro;
  reservedMicro: Micro;
  remainingMicro: Micro;
  setBy: string;
  setAt: Date;
}

export interface Cap extends CapScope {
  daily: CapWindow | null;
  monthly: CapWindow | null;
}

/** Above this a cap is a typo, not a budget (as an agent's limits). */
export const MAX_CAP_MICRO = 1_000_000_000n * 1_000_000n;

const capAmount = z
  .bigint()
  .refine((v) => v >= 0n && v <= MAX_CAP_MICRO, "a cap is 0 to 1,000,000,000 USDC")
  .nullable()
  .optional();

/**
 * A cap change: for each of `daily` and `monthly`, an amount sets it, null removes it, absent leaves
 * it. `vendor` is a host (with an optional port), normalized as the payer writes it; null is the fleet.
 */
export const capChangeInput = z
  .object({
    vendor: z
      .string()
      .trim()
      .min(1)
      .max(260)
      .nullable()
      .transform((v, ctx) => {
        if (v === null) return null;
        try {
          const host = normalizeHost(v);
          if (/:(80|443)$/.test(host)) {
            ctx.addIssue({
              code: "custom",
              message: "leave out :80 and :443: a payment's URL names its default port as the bare host",
            });
            return z.NEVER;
          }
          return host;
        } catch (error) {
          ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "not a host" });
          return z.NEVER;
        }
      }),
    agentId: z.string().trim().min(1).max(100).nullable(),
    daily: capAmount,
    monthly: capAmount,
  })
  .refine((v) => v.vendor !== null || v.agentId === null, {
    message: "a fleet cap is for all agents (an agent's own limits are its daily and monthly limits)",
    path: ["agentId"],
  })
  .refine((v) => v.daily !== undefined || v.monthly !== undefined, {
    message: "give a daily or a monthly cap (or clear one)",
    path: ["daily"],
  });
export type CapChangeInput = z.input<typeof capChangeInput>;

type CapLimits = { daily: Micro | null; monthly: Micro | null };

/**
 * Whether going from `before` to `after` loosens a cap (a limit raised or removed): that needs
 * `budgets.caps_loosen` (an approver); anything else `budgets.caps` (an operator).
 */
export function capChangeOperation(
  before: CapLimits,
  after: CapLimits,
): "budgets.caps" | "budgets.caps_loosen" {
  const loosens = (b: Micro | null, a: Micro | null) => b !== null && (a === null || a > b);
  return loosens(before.daily, after.daily) || loosens(before.monthly, after.monthly)
    ? "budgets.caps_loosen"
    : "budgets.caps";
}

const key = (s: CapScope) => ({ vendor: s.vendor ?? "", agent: s.agentId ?? "" });

type CapRow = {
  vendor: string;
  agent_id: string;
  period: CapPeriod;
  limit_micro: bigint;
  set_by: string;
  set_at: Date | string;
  spent_micro: bigint | null;
  reserved_micro: bigint | null;
};

/**
 * The caps in force with their current windows' figures (the UTC day and month of `now`), fleet
 * first, then by vendor (all agents before each agent). `vendor` narrows to one host's caps.
 */
export async function listCaps(db: DbOrTx, opts: { now: Date; vendor?: string }): Promise<Cap[]> {
  const day = utcDay(opts.now);
  const month = utcMonthStart(opts.now);
  const rows = await db.execute<CapRow>(sql`
    SELECT c.vendor, c.agent_id, c.period::text AS period, c.limit_micro, c.set_by, c.set_at,
      u.spent_micro, u.reserved_micro
    FROM budget_caps c
    LEFT JOIN budget_cap_usage u ON u.vendor = c.vendor AND u.agent_id = c.agent_id AND u.period = c.period
      AND u.period_start = CASE c.period WHEN 'day' THEN ${day}::date ELSE ${month}::date END
    WHERE ${opts.vendor === undefined ? sql`true` : sql`c.vendor = ${opts.vendor}`}
    ORDER BY c.vendor COLLATE "C", c.agent_id COLLATE "C", c.period`);
  const caps = new Map<string, Cap>();
  for (const r of rows) {
    const k = `${r.vendor}\u0000${r.agent_id}`;
    let cap = caps.get(k);
    if (!cap) {
      cap = { vendor: r.vendor || null, agentId: r.agent_id || null, daily: null, monthly: null };
      caps.set(k, cap);
    }
    const spent = BigInt(r.spent_micro ?? 0n);
    const reserved = BigInt(r.reserved_micro ?? 0n);
    const limit = BigInt(r.limit_micro);
    const used = spent + reserved;
    const window: CapWindow = {
      limitMicro: limit,
      spentMicro: spent,
      reservedMicro: reserved,
      remainingMicro: limit > used ? limit - used : 0n,
      setBy: r.set_by,
      setAt: new Date(r.set_at),
    };
    if (r.period === "day") cap.daily = window;
    else cap.monthly = window;
  }
  return [...caps.values()];
}

/** The day before and after `at` (UTC), and the months around it: the windows a cap's totals start from. */
function windowsAround(at: Date): { day: string[]; month: string[] } {
  const dayMs = 86_400_000;
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  return {
    day: [-1, 0, 1].map((d) => utcDay(new Date(at.getTime() + d * dayMs))),
    month: [-1, 0, 1].map((d) => utcMonthStart(new Date(Date.UTC(y, m + d, 1)))),
  };
}

/**
 * Sets or clears a scope's daily and monthly caps, audited (`budget.cap_set`) in the same
 * transaction. `mayLoosen` false refuses (`forbidden`) a change that raises or removes a cap, judged
 * on the caps read under the lock.
 *
 * The change takes budget_caps' ACCESS EXCLUSIVE lock first: every batch of the engine reads that
 * table before it writes, so this waits for the batches in flight and holds the next ones until it
 * commits. Under it, a scope's window totals are computed from the ledger (spent: completed rows;
 * reserved: open ones) for the UTC days and months around `now` (one either side, for a clock a
 * little apart from the engine's); from then on the engine keeps them. A removed cap's totals are
 * deleted. The lock is held for a ledger sum over a month of the scope's rows: a pause of payments
 * measured in milliseconds for an ordinary ledger, in the operations guide.
 */
export async function setCaps(
  db: Database,
  raw: CapChangeInput,
  opts: { actor: string; now: Date; mayLoosen: boolean; reason?: string | null },
): Promise<{ scope: CapScope; before: CapLimits; after: CapLimits }> {
  const parsed = capChangeInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError("invalid_input", issue?.message ?? "invalid cap", {
      field: issue?.path.join("."),
    });
  }
  const input = parsed.data;
  if (!opts.actor?.trim()) throw new InvalidInputError("invalid_actor", "actor is required");
  const scope: CapScope = { vendor: input.vendor, agentId: input.agentId };
  const { vendor, agent } = key(scope);
  return db.transaction(async (tx) => {
    await tx.execute(sql`LOCK TABLE budget_caps IN ACCESS EXCLUSIVE MODE`);
    if (agent !== "") {
      const [found] = await tx.execute(sql`SELECT 1 FROM agents WHERE id = ${agent}`);
      if (!found) throw new OperationError("unknown_agent", `no agent named ${agent}`, { agentId: agent });
    }
    const current = await tx.execute<{ period: CapPeriod; limit_micro: bigint }>(sql`
      SELECT period::text AS period, limit_micro FROM budget_caps WHERE vendor = ${vendor} AND agent_id = ${agent}`);
    const before: CapLimits = { daily: null, monthly: null };
    for (const r of current) before[r.period === "day" ? "daily" : "monthly"] = BigInt(r.limit_micro);
    const after: CapLimits = {
      daily: input.daily === undefined ? before.daily : input.daily,
      monthly: input.monthly === undefined ? before.monthly : input.monthly,
    };
    if (!opts.mayLoosen && capChangeOperation(before, after) === "budgets.caps_loosen") {
      throw new OperationError(
        "forbidden",
        "raising or removing a cap lets more be spent: it needs the approver role",
        { operation: "budgets.caps_loosen", needed: "approver" },
      );
    }
    // Nothing to change (a form saved as it was): nothing written, nothing audited.
    if (after.daily === before.daily && after.monthly === before.monthly) return { scope, before, after };
    const around = windowsAround(opts.now);
    for (const [field, period] of [
      ["daily", "day"],
      ["monthly", "month"],
    ] as const) {
      const limit = after[field];
      if (limit === before[field]) continue;
      await tx.execute(sql`
        DELETE FROM budget_cap_usage WHERE vendor = ${vendor} AND agent_id = ${agent} AND period = ${period}`);
      if (limit === null) {
        await tx.execute(sql`
          DELETE FROM budget_caps WHERE vendor = ${vendor} AND agent_id = ${agent} AND period = ${period}`);
        continue;
      }
      await tx.execute(sql`
        INSERT INTO budget_caps (vendor, agent_id, period, limit_micro, set_by, set_at)
        VALUES (${vendor}, ${agent}, ${period}, ${limit.toString()}::bigint, ${opts.actor}, ${opts.now.toISOString()}::timestamptz)
        ON CONFLICT (vendor, agent_id, period) DO UPDATE SET limit_micro = EXCLUDED.limit_micro,
          set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`);
      const starts = period === "day" ? around.day : around.month;
      const span = period === "day" ? sql`interval '1 day'` : sql`interval '1 month'`;
      // The totals the engine would have kept had the cap always been there.
      await tx.execute(sql`
        INSERT INTO budget_cap_usage (vendor, agent_id, period, period_start, spent_micro, reserved_micro)
        SELECT ${vendor}, ${agent}, ${period}::budget_period, w.start,
          coalesce(sum(t.amount_micro) FILTER (WHERE t.status = 'completed'), 0),
          coalesce(sum(t.amount_micro) FILTER (WHERE t.status IN ('pending', 'authorized', 'awaiting_approval')), 0)
        FROM unnest(${`{${starts.join(",")}}`}::date[]) AS w(start)
        LEFT JOIN transactions t
          ON t.created_at >= (w.start::timestamp AT TIME ZONE 'UTC')
          AND t.created_at < ((w.start + ${span})::timestamp AT TIME ZONE 'UTC')
          AND (${vendor} = '' OR coalesce(t.vendor_host, t.vendor) = ${vendor})
          AND (${agent} = '' OR t.agent_id = ${agent})
          AND t.status IN ('completed', 'pending', 'authorized', 'awaiting_approval')
        GROUP BY w.start`);
    }
    const money = (m: Micro | null) => (m === null ? null : m.toString());
    await writeAudit(tx, {
      actor: opts.actor,
      action: "budget.cap_set",
      targetType: "budget_cap",
      targetId: vendor === "" ? "fleet" : agent === "" ? vendor : `${vendor} ${agent}`,
      before: { dailyMicro: money(before.daily), monthlyMicro: money(before.monthly) },
      after: { dailyMicro: money(after.daily), monthlyMicro: money(after.monthly) },
      reason: opts.reason ?? null,
    });
    return { scope, before, after };
  });
}
