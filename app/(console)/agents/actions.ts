"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { env } from "@/lib/env";
import { getAgent, setAgentStatus } from "@/lib/payment-core/agents";
import {
  JUSTIFICATION_MAX,
  JUSTIFICATION_MIN,
  lowerLimit,
  requestLimitChange,
} from "@/lib/payment-core/approvals";
import type { LimitKind } from "@/lib/payment-core/budgets/config";
import { getLimits, setLimits } from "@/lib/payment-core/budgets/usage";
import { InvalidInputError, OperationError } from "@/lib/payment-core/errors";
import { MoneyParseError, parseUsdc } from "@/lib/payment-core/money";
import { MAX_POLICY_ENTRIES, setVendorPolicy } from "@/lib/payment-core/vendor-policy";

/** Above this a limit is a typo, not a budget (and stays far inside PostgreSQL's bigint). */
const MAX_LIMIT_MICRO = 1_000_000_000n * 1_000_000n;

const agentId = z.string().trim().min(1, "agent is required").max(100);

/** A USDC amount typed by a person: parsed from its text (never a float), more than 0. */
const usdcAmount = z
  .string({ error: "enter an amount in USDC" })
  .trim()
  .min(1, "enter an amount in USDC, such as 150 or 0.25")
  .transform((value, ctx) => {
    try {
      const micro = parseUsdc(value.replace(/^\$/, ""));
      if (micro <= 0n) {
        ctx.addIssue({ code: "custom", message: "must be more than 0 (to stop the agent, pause it)" });
        return z.NEVER;
      }
      if (micro > MAX_LIMIT_MICRO) {
        ctx.addIssue({ code: "custom", message: "must be at most 1,000,000,000 USDC" });
        return z.NEVER;
      }
      return micro;
    } catch (error) {
      const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
      ctx.addIssue({ code: "custom", message: `enter an amount in USDC such as 150 or 0.25 (${reason})` });
      return z.NEVER;
    }
  });

function revalidateAgent(id: string) {
  revalidatePath("/agents");
  revalidatePath(`/agents/${id}`);
  revalidatePath("/approvals");
}

async function requireAgent(db: Parameters<typeof getAgent>[0], id: string) {
  const agent = await getAgent(db, id);
  if (!agent) throw new OperationError("unknown_agent", `no agent named ${id}`, { agentId: id });
  return agent;
}

/** Pause (the next payment is refused with agent_paused) or resume an agent. */
export const changeAgentStatus = action({
  role: "operator",
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
  role: "operator",
  input: z.object({ agentId, dailyLimit: usdcAmount, perTransactionMax: usdcAmount }),
  handler: async (input, { user, db }) => {
    await requireAgent(db, input.agentId);
    const current = await getLimits(db, env().budget, input.agentId);
    const wanted: Partial<Record<LimitKind, bigint>> = {};
    if (input.dailyLimit !== current.daily.limitMicro) wanted.daily = input.dailyLimit;
    if (input.perTransactionMax !== current.per_transaction.limitMicro) {
      wanted.per_transaction = input.perTransactionMax;
    }
    const changed = await setLimits(db, { agentId: input.agentId, limits: wanted, actor: user.email });
    revalidateAgent(input.agentId);
    return {
      changed,
      dailyLimitMicro: input.dailyLimit.toString(),
      perTransactionMaxMicro: input.perTransactionMax.toString(),
    };
  },
});

/**
 * A monthly change. Raising the limit creates a change request for an approver; lowering it
 * applies at once (it only reduces what the agent may spend), with the justification as the
 * audit reason.
 */
export const requestMonthlyChange = action({
  role: "operator",
  input: z.object({
    agentId,
    monthlyLimit: usdcAmount,
    justification: z
      .string({ error: "say why the limit should change" })
      .trim()
      .min(JUSTIFICATION_MIN, `say why the limit should change (at least ${JUSTIFICATION_MIN} characters)`)
      .max(JUSTIFICATION_MAX, `at most ${JUSTIFICATION_MAX} characters`),
  }),
  handler: async (input, { user, db }) => {
    await requireAgent(db, input.agentId);
    const config = env().budget;
    const current = (await getLimits(db, config, input.agentId)).monthly.limitMicro;
    if (input.monthlyLimit === current) {
      throw new InvalidInputError("limit_unchanged", "the monthly limit is already that amount", {
        field: "monthlyLimit",
      });
    }
    if (input.monthlyLimit < current) {
      const lowered = await lowerLimit(db, {
        config,
        agentId: input.agentId,
        kind: "monthly",
        limitMicro: input.monthlyLimit,
        actor: user.email,
        reason: input.justification,
      });
      revalidateAgent(input.agentId);
      return {
        outcome: "lowered" as const,
        limitMicro: lowered.limitMicro.toString(),
        previousLimitMicro: lowered.previousLimitMicro.toString(),
      };
    }
    const request = await requestLimitChange(db, {
      config,
      agentId: input.agentId,
      kind: "monthly",
      requestedLimitMicro: input.monthlyLimit,
      justification: input.justification,
      requestedBy: user.email,
      expiresInDays: env().approvalExpiryDays,
    });
    revalidateAgent(input.agentId);
    return {
      outcome: "requested" as const,
      requestId: request.id,
      limitMicro: request.requestedLimitMicro.toString(),
      previousLimitMicro: request.currentLimitMicro.toString(),
      expiresAt: request.expiresAt,
    };
  },
});

/** A textarea's entries: one per line or comma-separated; each is validated by the domain. */
const policyList = z
  .string()
  .max(20_000, "too long")
  .transform((value) =>
    value
      .split(/[\s,]+/)
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
  )
  .refine((list) => list.length <= MAX_POLICY_ENTRIES, `at most ${MAX_POLICY_ENTRIES} entries`);

/**
 * The vendor allowlists: hosts and payee addresses the agent may pay (empty: any). Applied from
 * the next payment; a payment elsewhere is refused with vendor_not_allowed.
 */
export const saveVendorPolicy = action({
  role: "operator",
  input: z.object({
    agentId,
    hosts: policyList,
    payees: policyList,
    reason: z.string().trim().max(500).optional(),
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
