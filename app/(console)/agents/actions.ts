"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { Database } from "@/db/client";
import { action } from "@/lib/actions/action";
import { env } from "@/lib/env";
import { requiredRole, thresholdChangeOperation } from "@/lib/payment-core/access/permissions";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { setAgentStatus } from "@/lib/payment-core/agents/store";
import {
  MAX_POLICY_ENTRIES,
  normalizeHost,
  normalizePayee,
  setVendorPolicy,
} from "@/lib/payment-core/agents/vendor-policy";
import {
  changeMonthlyLimit,
  JUSTIFICATION_MAX,
  JUSTIFICATION_MIN,
} from "@/lib/payment-core/budgets/approvals";
import { backtestLimits } from "@/lib/payment-core/budgets/backtest";
import { backtestForWire } from "@/lib/payment-core/budgets/backtest-wire";
import { limitOutlook, outlookForWire, type ProposedLimits } from "@/lib/payment-core/budgets/limit-warnings";
import { getUsage, setLimits } from "@/lib/payment-core/budgets/usage";
import {
  effectiveThreshold,
  getApprovalThreshold,
  setApprovalThreshold,
} from "@/lib/payment-core/payment-approvals";
import { OperationError } from "@/lib/payment-core/support/errors";
import { MoneyParseError, parseUsdc } from "@/lib/payment-core/support/money";

/** Above this a limit is a typo, not a budget (and stays far inside PostgreSQL's bigint). */
const MAX_LIMIT_MICRO = 1_000_000_000n * 1_000_000n;

const agentId = z.string().trim().min(1, "agent is required").max(100);

/**
 * The micro-USDC of an amount a person typed (a leading "$" allowed), parsed from its text (never a
 * float), at most MAX_LIMIT_MICRO; an issue naming `example` otherwise.
 */
function typedUsdc(value: string, ctx: z.RefinementCtx, example: string, positive: boolean) {
  try {
    const micro = parseUsdc(value.replace(/^\$/, ""));
    if (positive && micro <= 0n) {
      ctx.addIssue({ code: "custom", message: "enter more than 0 (to stop the agent, pause it)" });
      return z.NEVER;
    }
    if (micro > MAX_LIMIT_MICRO) {
      ctx.addIssue({ code: "custom", message: "enter at most 1,000,000,000" });
      return z.NEVER;
    }
    return micro;
  } catch (error) {
    const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
    ctx.addIssue({ code: "custom", message: `enter an amount like ${example} (${reason})` });
    return z.NEVER;
  }
}

/** A USDC amount typed by a person: parsed from its text (never a float), more than 0. */
const usdcAmount = z
  .string({ error: "enter an amount like 150 or 0.25" })
  .trim()
  .min(1, "enter an amount like 150 or 0.25")
  .transform((value, ctx) => typedUsdc(value, ctx, "150 or 0.25", true));

/**
 * The saved change's warnings and remaining room, from the figures the engine enforces now (read
 * after the save, so the limits proposed are the ones in force, or the request's for a request).
 */
async function outlookAfter(db: Database, agentId: string, proposed: ProposedLimits) {
  const usage = await getUsage(db, env().budget, agentId);
  const outlook = limitOutlook(
    {
      dailyLimitMicro: usage.daily.limitMicro,
      monthlyLimitMicro: usage.monthly.limitMicro,
      perTransactionMaxMicro: usage.perTransactionMax.limitMicro,
      hardLimitMicro: usage.hardLimitMicro,
      dailyUsedMicro: usage.daily.spentMicro + usage.daily.reservedMicro,
      monthlyUsedMicro: usage.monthly.spentMicro + usage.monthly.reservedMicro,
    },
    proposed,
  );
  return outlookForWire(outlook);
}

function revalidateAgent(id: string) {
  revalidatePath("/agents");
  revalidatePath(`/agents/${id}`);
  revalidatePath("/approvals");
}

/** Pause (the next payment is refused with agent_paused) or resume an agent. */
export const changeAgentStatus = action({
  operation: "agents.set_status",
  input: z.object({
    agentId,
    status: z.enum(["active", "paused"]),
    reason: z.string().trim().max(500).optional(),
  }),
  handler: async (input, { user, db }) => {
    const agent = await setAgentStatus(db, {
      id: input.agentId,
      status: input.status,
      actor: user.email,
      reason: input.reason || null,
    });
    revalidateAgent(agent.id);
    return { status: agent.status };
  },
});

/**
 * Daily and per-transaction limits, saved together (one transaction) as console limits.
 * A value equal to the limit in force is left alone, so an env or default limit keeps its source.
 */
export const saveLimits = action({
  operation: "limits.set",
  input: z.object({ agentId, dailyLimit: usdcAmount, perTransactionMax: usdcAmount }),
  handler: async (input, { user, db }) => {
    const changed = await setLimits(db, {
      config: env().budget,
      agentId: input.agentId,
      limits: { daily: input.dailyLimit, per_transaction: input.perTransactionMax },
      actor: user.email,
    });
    revalidateAgent(input.agentId);
    return {
      changed,
      dailyLimitMicro: input.dailyLimit.toString(),
      perTransactionMaxMicro: input.perTransactionMax.toString(),
      ...(await outlookAfter(db, input.agentId, {
        dailyLimitMicro: input.dailyLimit,
        perTransactionMaxMicro: input.perTransactionMax,
      })),
    };
  },
});

/**
 * A monthly change: the domain decides (changeMonthlyLimit). Raising the limit creates a change
 * request for an approver; lowering it applies at once, with the justification as the audit reason.
 */
export const requestMonthlyChange = action({
  operation: "limits.request_monthly",
  multiline: ["justification"],
  input: z.object({
    agentId,
    monthlyLimit: usdcAmount,
    justification: z
      .string({ error: "say why the limit should change" })
      .trim()
      .min(JUSTIFICATION_MIN, `say why the limit should change, in at least ${JUSTIFICATION_MIN} characters`)
      .max(JUSTIFICATION_MAX, `keep it to at most ${JUSTIFICATION_MAX} characters`),
  }),
  handler: async (input, { user, db }) => {
    const change = await changeMonthlyLimit(db, {
      config: env().budget,
      agentId: input.agentId,
      limitMicro: input.monthlyLimit,
      justification: input.justification,
      actor: user.email,
      expiresInDays: env().approvalExpiryDays,
    });
    revalidateAgent(input.agentId);
    const outlook = await outlookAfter(db, input.agentId, { monthlyLimitMicro: input.monthlyLimit });
    if (change.outcome === "lowered") {
      return {
        outcome: "lowered" as const,
        limitMicro: change.limitMicro.toString(),
        previousLimitMicro: change.previousLimitMicro.toString(),
        ...outlook,
      };
    }
    const { request } = change;
    return {
      outcome: "requested" as const,
      requestId: request.id,
      limitMicro: request.requestedLimitMicro.toString(),
      previousLimitMicro: request.currentLimitMicro.toString(),
      expiresAt: request.expiresAt,
      ...outlook,
    };
  },
});

/**
 * A textarea's entries: one per line or comma-separated, each checked here with the domain's own
 * rule, so a bad host and a bad payee are both reported at once (the domain checks them again).
 */
const policyList = (check: (entry: string) => string) =>
  z
    .string()
    .max(20_000, "keep the list under 20,000 characters")
    .transform((value) =>
      value
        .split(/[\s,]+/)
        .map((v) => v.trim())
        .filter((v) => v.length > 0),
    )
    .refine((list) => list.length <= MAX_POLICY_ENTRIES, `list at most ${MAX_POLICY_ENTRIES} entries`)
    .superRefine((list, ctx) => {
      for (const entry of list) {
        try {
          check(entry);
        } catch (error) {
          const message = (error as { message?: unknown }).message;
          ctx.addIssue({ code: "custom", message: typeof message === "string" ? message : "not valid" });
          return;
        }
      }
    });

/**
 * The vendor allowlists: hosts and payee addresses the agent may pay (empty: any). Applied from
 * the next payment; a payment elsewhere is refused with vendor_not_allowed.
 */
export const saveVendorPolicy = action({
  operation: "agents.vendor_policy",
  multiline: ["hosts", "payees"],
  input: z.object({
    agentId,
    hosts: policyList(normalizeHost),
    payees: policyList(normalizePayee),
    reason: z.string().trim().max(500, "keep it to at most 500 characters").optional(),
  }),
  handler: async (input, { user, db }) => {
    const policy = await setVendorPolicy(db, {
      agentId: input.agentId,
      hosts: input.hosts,
      payees: input.payees,
      actor: user.email,
      reason: input.reason || null,
    });
    revalidateAgent(input.agentId);
    return policy;
  },
});

/**
 * The approval threshold a person types: empty clears the console's value (the environment's
 * X402_{AGENT}_APPROVAL_ABOVE_USDC applies, or none); else an amount of 0 or more (0 holds every
 * paid request).
 */
const thresholdAmount = z
  .string({ error: "enter an amount like 25 or 0.50, or leave it empty to clear it" })
  .trim()
  .transform((value, ctx) => (value === "" ? null : typedUsdc(value, ctx, "25 or 0.50", false)));

/**
 * Sets or clears the agent's approval threshold (a payment priced above it waits for an approver).
 * Lowering it is an operator's; raising or clearing it, which holds fewer payments, needs an
 * approver (thresholdChangeOperation), judged on the threshold in force before and after, the
 * server's environment included. Audited by setApprovalThreshold; applies from the next payment.
 */
export const saveApprovalThreshold = action({
  operation: "agents.approval_threshold",
  input: z.object({
    agentId,
    threshold: thresholdAmount,
    reason: z.string().trim().max(500, "keep it to at most 500 characters").optional(),
  }),
  handler: async (input, { user, db }) => {
    const config = env().payments.approvals;
    const before = await getApprovalThreshold(db, input.agentId, config);
    if (!before) throw new OperationError("unknown_agent", `no agent named ${input.agentId}`);
    const after = effectiveThreshold(input.agentId, input.threshold, config);
    const operation = thresholdChangeOperation(before.thresholdMicro, after.thresholdMicro);
    const needed = requiredRole(operation);
    if (!roleAtLeast(user.role, needed)) {
      throw new OperationError(
        "forbidden",
        `raising or clearing an approval threshold holds fewer payments: it needs the ${needed} role; you are ${user.role}`,
        { needed, role: user.role, operation },
      );
    }
    await setApprovalThreshold(db, {
      agentId: input.agentId,
      thresholdMicro: input.threshold,
      actor: user.email,
      reason: input.reason || null,
      // The role was judged on this value: a change made meanwhile is refused, not overwritten.
      expectedConsoleMicro: before.consoleMicro,
    });
    revalidateAgent(input.agentId);
    return {
      thresholdMicro: after.thresholdMicro?.toString() ?? null,
      source: after.source,
      consoleMicro: after.consoleMicro?.toString() ?? null,
    };
  },
});

/** A limit to try in the backtest: empty means the one in force. */
const optionalUsdc = z
  .string()
  .trim()
  .max(40)
  .optional()
  .transform((value, ctx) => (value ? typedUsdc(value, ctx, "150 or 0.25", true) : undefined));

/**
 * The policy backtest beside the limit fields (read-only, a viewer's): what the limits typed would
 * have refused of the agent's payments over the last 30 UTC days (lib/payment-core/budgets/backtest.ts).
 */
export const backtestAction = action({
  role: "viewer",
  input: z.object({
    agentId,
    dailyLimit: optionalUsdc,
    monthlyLimit: optionalUsdc,
    perTransactionMax: optionalUsdc,
  }),
  handler: async (input, { db }) => {
    const b = await backtestLimits(db, env().budget, {
      agentId: input.agentId,
      limits: {
        dailyMicro: input.dailyLimit,
        monthlyMicro: input.monthlyLimit,
        perTransactionMicro: input.perTransactionMax,
      },
    });
    return backtestForWire(b);
  },
});
