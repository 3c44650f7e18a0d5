import { type Command, Option } from "commander";
import { thresholdChangeOperation } from "@/lib/payment-core/access/permissions";
import {
  agentApprovalEnvVar,
  decidePaymentApproval,
  getApprovalThreshold,
  listPaymentApprovals,
  PAYMENT_APPROVAL_STATUSES,
  type PaymentApproval,
  type PaymentApprovalListItem,
  type PaymentApprovalStatus,
  setApprovalThreshold,
} from "@/lib/payment-core/payment-approvals";
import { MoneyParseError, parseUsdc } from "@/lib/payment-core/support/money";
import { actorFor, mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { formatDollars, formatMoney, table, usdc6 } from "../format";
import { snakeKeys } from "../json";

/**
 * Payments held for approval from a shell, through the console's domain functions:
 * `x402 approvals payments|approve-payment|deny-payment` and `x402 agents approval-threshold`.
 */

function approvalJson(a: PaymentApproval) {
  return {
    ...snakeKeys(a, ["id", "transactionId", "agentId", "vendor", "resourceUrl", "payee"]),
    amount: usdc6(a.amountMicro),
    ...snakeKeys(a, [
      "status",
      "requestedAt",
      "expiresAt",
      "decidedBy",
      "decidedAt",
      "reason",
      "transactionStatus",
      "transactionErrorCode",
    ]),
  };
}

function listItemJson(a: PaymentApprovalListItem) {
  return {
    ...approvalJson(a),
    today: { spent: usdc6(a.today.spentMicro), reserved: usdc6(a.today.reservedMicro) },
    this_month: { spent: usdc6(a.thisMonth.spentMicro), reserved: usdc6(a.thisMonth.reservedMicro) },
    earlier_prices: a.earlierPrices.map((p) => ({
      transaction_id: p.transactionId,
      amount: usdc6(p.amountMicro),
      resource_url: p.resourceUrl,
      completed_at: p.completedAt,
    })),
  };
}

/** `--reason` is required for a decision: refused before signing in, as the domain would refuse it. */
function requiredReason(reason: string | undefined): string {
  const text = reason?.trim() ?? "";
  if (!text) {
    throw new CliFailure(
      "reason_required",
      "a decision needs --reason: why (kept with the decision and in the audit log)",
      { flag: "--reason" },
      EXIT.usage,
    );
  }
  return text;
}

export function registerPaymentApprovals(approvals: Command, { sub, print }: CommandKit): void {
  sub(approvals, "payments")
    .description("payments held above their agent's approval threshold (pending by default)")
    .addOption(
      new Option("--status <status>", "only this status, or all")
        .choices([...PAYMENT_APPROVAL_STATUSES, "all"])
        .default("pending"),
    )
    .option("--agent <id>", "one agent only")
    .action(async (opts: { status: PaymentApprovalStatus | "all"; agent?: string }, cmd: Command) =>
      withDb(async ({ db }) => {
        const list = await listPaymentApprovals(db, {
          status: opts.status === "all" ? undefined : opts.status,
          agentId: opts.agent,
        });
        print(cmd, { payments: list.map(listItemJson) }, () =>
          list.length === 0
            ? opts.status === "pending"
              ? "No payments are waiting for approval.\n"
              : "No held payments.\n"
            : table(
                [
                  "ID",
                  "AGENT",
                  "VENDOR",
                  "PRICE",
                  "STATUS",
                  "TODAY",
                  "MONTH",
                  "REQUESTED",
                  "EXPIRES / DECIDED",
                ],
                list.map((a) => [
                  a.id,
                  a.agentId,
                  a.resourceUrl ?? a.vendor,
                  formatDollars(a.amountMicro),
                  a.status,
                  formatMoney(a.today.spentMicro + a.today.reservedMicro),
                  formatMoney(a.thisMonth.spentMicro + a.thisMonth.reservedMicro),
                  a.requestedAt,
                  a.status === "pending"
                    ? a.expiresAt
                    : `${a.decidedBy ?? "nobody"} ${a.decidedAt ?? ""}${a.reason ? `: ${a.reason}` : ""}`,
                ]),
              ),
        );
      }),
    );

  for (const decision of ["approve", "deny"] as const) {
    const command = sub(approvals, `${decision}-payment`)
      .description(
        decision === "approve"
          ? "approve a held payment (--reason required): the agent's retry with the same idempotency key pays it"
          : "deny a held payment (--reason required): its reservation is released, the ledger row failed",
      )
      .argument("<id>", "payment approval id (see approvals payments)")
      .option("--reason <text>", "why (required; kept with the decision and in the audit log)");
    mutating(command).action(async (id: string, opts: { reason?: string }, cmd: Command) => {
      const reason = requiredReason(opts.reason);
      return withDb(
        async ({ db, env, actor }) => {
          const decided = await decidePaymentApproval(
            db,
            { approvalId: id, decision, reason, actor },
            { ttlSeconds: env.payments.approvals?.ttlSeconds },
          );
          print(cmd, { payment: approvalJson(decided) }, () =>
            decided.status === "approved"
              ? `Payment ${decided.id} approved: ${decided.agentId}'s retry with the same idempotency key pays ${formatDollars(decided.amountMicro)} to ${decided.vendor} until ${decided.expiresAt}.\n`
              : `Payment ${decided.id} denied: ${decided.agentId}'s ${formatDollars(decided.amountMicro)} reservation is released.\n`,
          );
        },
        { as: { operation: "payment_approvals.decide", cmd } },
      );
    });
  }
}

/** `clear` or an amount of 0 or more, as the console's form takes it (empty there is `clear` here). */
function thresholdArgument(value: string): bigint | null {
  if (value === "clear") return null;
  try {
    return parseUsdc(value.replace(/^\$/, ""));
  } catch (error) {
    const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
    throw new CliFailure(
      "invalid_amount",
      `the threshold is an amount like 25 or 0.50, or clear (${reason})`,
      { value },
      EXIT.usage,
    );
  }
}

/**
 * `x402 agents approval-threshold <agent> [usdc|clear]`: show it, or set or clear the console's value.
 * The role follows the console's rule (lowering: operator; raising or clearing: approver), judged
 * on the console's values alone: this shell cannot see the server's environment (a variable set
 * here proves nothing about the server's), so with no console value before, any value set counts
 * as a raise from 0 and needs an approver. Lowering a console value stays an operator's.
 */
export function registerApprovalThreshold(agents: Command, { sub, print }: CommandKit): void {
  mutating(
    sub(agents, "approval-threshold")
      .description(
        "show, set or clear the agent's approval threshold (payments above it wait for an approver)",
      )
      .argument("<agent>", "agent id")
      .argument("[usdc]", "hold payments priced above this; clear removes the console's value"),
  ).action(async (agentId: string, value: string | undefined, opts: { reason?: string }, cmd: Command) => {
    const next = value === undefined ? undefined : thresholdArgument(value);
    return withDb(async ({ db, env }) => {
      const config = env.payments.approvals;
      const before = await getApprovalThreshold(db, agentId, config);
      if (!before) throw new CliFailure("unknown_agent", `no agent named ${agentId}`, { agentId });
      let current = before;
      let changed = false;
      if (next !== undefined) {
        const operation =
          next === before.consoleMicro
            ? "agents.approval_threshold"
            : thresholdChangeOperation(before.consoleMicro ?? 0n, next);
        const actor = await actorFor(db, env, { operation, cmd });
        await setApprovalThreshold(db, {
          agentId,
          thresholdMicro: next,
          actor,
          reason: opts.reason ?? null,
          expectedConsoleMicro: before.consoleMicro,
        });
        current = (await getApprovalThreshold(db, agentId, config)) ?? before;
        changed = true;
      }
      const variable = agentApprovalEnvVar(agentId);
      const money = (m: bigint | null) => (m === null ? null : usdc6(m));
      print(
        cmd,
        {
          agent_id: agentId,
          threshold: money(current.thresholdMicro),
          source: current.source,
          console_threshold: money(current.consoleMicro),
          env_threshold: money(current.envMicro),
          env_variable: variable,
          changed,
        },
        () => {
          const inForce =
            current.thresholdMicro === null
              ? `${agentId}: no approval threshold (no payment is held)`
              : `${agentId}: payments above ${formatDollars(current.thresholdMicro)} wait for an approver`;
          const source =
            current.source === "console"
              ? "set in the console"
              : current.source === "env"
                ? `from ${variable} (this shell's environment)`
                : `neither the console nor ${variable} sets one`;
          return `${changed ? "Saved. " : ""}${inForce} (${source}).\n`;
        },
      );
    });
  });
}
