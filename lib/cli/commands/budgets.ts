import type { Command } from "commander";
import { type AgentPaymentStatus, agentPaymentStatus } from "@/lib/payment-core/agents/payment-status";
import { changeMonthlyLimit, type MonthlyChange } from "@/lib/payment-core/budgets/approvals";
import { listCaps } from "@/lib/payment-core/budgets/caps";
import { type AgentUsage, listUsage, setLimits } from "@/lib/payment-core/budgets/usage";
import { getKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { type Micro, parseUsdc } from "@/lib/payment-core/support/money";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { enforcedConfig, enforcedJson, enforcedNotes, limitDifferences } from "../enforced";
import { formatDollars, formatMoney, table, usdc6 } from "../format";
import { capsJson, capsTable, registerBudgetCaps } from "./budget-caps";
import { registerBudgetsSimulate } from "./budgets-simulate";

function agentUsageJson(u: AgentUsage, payment: AgentPaymentStatus) {
  return {
    agent_id: u.agentId,
    name: u.name,
    status: u.status,
    // Why it is not paying (payment-core/agents/payment-status.ts); `status` stays the agent's own.
    payment_status: payment.state,
    payment_status_text: payment.label,
    daily: usdc6(u.daily.spentMicro),
    daily_reserved: usdc6(u.daily.reservedMicro),
    daily_limit: usdc6(u.daily.limitMicro),
    daily_remaining: usdc6(u.daily.remainingMicro),
    daily_utilization_pct: u.daily.utilizationPct,
    daily_window_start: u.daily.start,
    monthly: usdc6(u.monthly.spentMicro),
    monthly_reserved: usdc6(u.monthly.reservedMicro),
    monthly_limit: usdc6(u.monthly.limitMicro),
    monthly_remaining: usdc6(u.monthly.remainingMicro),
    monthly_utilization_pct: u.monthly.utilizationPct,
    monthly_window_start: u.monthly.start,
    per_transaction_max: usdc6(u.perTransactionMax.limitMicro),
    hard_limit: usdc6(u.hardLimitMicro),
    sources: {
      daily: u.daily.source,
      monthly: u.monthly.source,
      per_transaction: u.perTransactionMax.source,
    },
    stale_pending: { count: u.stalePending.count, amount: usdc6(u.stalePending.amountMicro) },
  };
}

/** Above this a limit is a typo, not a budget (the console's bound). */
const MAX_LIMIT_MICRO = 1_000_000_000n * 1_000_000n;

/** A limit typed on the command line, checked as the console's form checks it. */
function limitOption(flag: string, value: string | undefined): Micro | undefined {
  if (value === undefined) return undefined;
  const micro = parseUsdc(value.trim().replace(/^\$/, ""));
  if (micro <= 0n || micro > MAX_LIMIT_MICRO) {
    throw new CliFailure(
      "invalid_amount",
      `${flag}: must be more than 0 and at most 1,000,000,000 USDC (to stop the agent, pause it)`,
      { flag },
      EXIT.usage,
    );
  }
  return micro;
}

function monthlyJson(m: MonthlyChange) {
  return m.outcome === "lowered"
    ? { outcome: "lowered", limit: usdc6(m.limitMicro), previous_limit: usdc6(m.previousLimitMicro) }
    : {
        outcome: "requested",
        request_id: m.request.id,
        requested_limit: usdc6(m.request.requestedLimitMicro),
        current_limit: usdc6(m.request.currentLimitMicro),
        expires_at: m.request.expiresAt,
      };
}

/** `x402 budgets` (usage and limits as the console enforces them) and `x402 budgets set`. */
export function registerBudgets(program: Command, { sub, print }: CommandKit): void {
  const budgets = sub(program, "budgets")
    .description(
      "each agent's usage in the current UTC day and month, limits and their sources; the fleet and vendor caps",
    )
    .option("--agent <id>", "one agent only")
    .action(async (opts: { agent?: string }, cmd: Command) =>
      withDb(async ({ db, env, enforced: given }) => {
        const enforced = given ?? (await enforcedConfig(db, env));
        const usage = await listUsage(db, enforced.budget, {
          agentIds: opts.agent ? [opts.agent] : undefined,
        });
        if (opts.agent && usage.length === 0) {
          throw new CliFailure("unknown_agent", `no agent named ${opts.agent}`, { agent_id: opts.agent });
        }
        const caps = await listCaps(db, { now: new Date() });
        const killSwitch = (await getKillSwitch(db, enforced.budget)).enabled;
        const payment = (u: AgentUsage) => agentPaymentStatus(u, { killSwitch });
        const differences = limitDifferences(enforced);
        const data = {
          agents: usage.map((u) => agentUsageJson(u, payment(u))),
          caps: capsJson(caps),
          ...enforcedJson(enforced, differences),
        };
        print(cmd, data, () => {
          const rows = usage.map((u) => [
            u.agentId,
            payment(u).label,
            formatMoney(u.daily.spentMicro + u.daily.reservedMicro),
            formatMoney(u.daily.limitMicro),
            `${u.daily.utilizationPct}%`,
            u.daily.source,
            formatMoney(u.monthly.spentMicro + u.monthly.reservedMicro),
            formatMoney(u.monthly.limitMicro),
            `${u.monthly.utilizationPct}%`,
            u.monthly.source,
            formatDollars(u.perTransactionMax.limitMicro),
            u.perTransactionMax.source,
          ]);
          const headers = ["AGENT", "STATUS", "TODAY (UTC)", "LIMIT", "DAY %", "SOURCE"];
          headers.push("MONTH (UTC)", "LIMIT", "MONTH %", "SOURCE", "PER-TX MAX", "SOURCE");
          return `${table(headers, rows)}\n${capsTable(caps)}${enforcedNotes(enforced, differences)}`;
        });
      }),
    );
  registerBudgetCaps(budgets, { sub, print });
  registerBudgetsSimulate(budgets, { sub, print });

  mutating(
    sub(budgets, "set")
      .description(
        "change an agent's limits as the console does: daily and per-transaction at once; a monthly cut at once, a monthly increase as an approval request",
      )
      .argument("<agent>", "agent id")
      .option("--daily <usd>", "daily limit (UTC day)")
      .option("--monthly <usd>", "monthly limit (UTC month); needs --reason")
      .option("--per-tx <usd>", "per-transaction maximum")
      .option("--reason <text>", "why (the audit reason; the justification of a monthly request)"),
  ).action(
    async (
      agentId: string,
      opts: { daily?: string; monthly?: string; perTx?: string; reason?: string },
      cmd: Command,
    ) => {
      const daily = limitOption("--daily", opts.daily);
      const perTx = limitOption("--per-tx", opts.perTx);
      const monthly = limitOption("--monthly", opts.monthly);
      if (daily === undefined && perTx === undefined && monthly === undefined) {
        throw new CliFailure("bad_usage", "give --daily, --monthly or --per-tx", {}, EXIT.usage);
      }
      if (monthly !== undefined && !opts.reason?.trim()) {
        throw new CliFailure(
          "reason_required",
          "--monthly needs --reason: why the limit should change (at least 10 characters)",
          { flag: "--reason" },
          EXIT.usage,
        );
      }
      await withDb(
        async ({ db, env, actor }) => {
          // The limits in force are the console's: withDb puts them in env.budget.
          const budget = env.budget;
          const changed = await setLimits(db, {
            config: budget,
            agentId,
            limits: { daily, per_transaction: perTx },
            actor,
            reason: opts.reason?.trim() || null,
          });
          const change =
            monthly === undefined
              ? null
              : await changeMonthlyLimit(db, {
                  config: budget,
                  agentId,
                  limitMicro: monthly,
                  justification: opts.reason ?? "",
                  actor,
                  expiresInDays: env.approvalExpiryDays,
                });
          const data = { agent_id: agentId, changed, monthly: change ? monthlyJson(change) : null };
          print(cmd, data, () => {
            const lines: string[] = [];
            if (daily !== undefined)
              lines.push(
                `Daily limit: ${formatMoney(daily)}${changed.includes("daily") ? "" : " (unchanged)"}.`,
              );
            if (perTx !== undefined)
              lines.push(
                `Per-transaction max: ${formatDollars(perTx)}${changed.includes("per_transaction") ? "" : " (unchanged)"}.`,
              );
            if (change?.outcome === "lowered")
              lines.push(
                `Monthly limit lowered from ${formatMoney(change.previousLimitMicro)} to ${formatMoney(change.limitMicro)}.`,
              );
            if (change?.outcome === "requested")
              lines.push(
                `Monthly increase to ${formatMoney(change.request.requestedLimitMicro)} requested (#${change.request.id}, expires ${change.request.expiresAt}): another approver decides it (x402 approvals approve ${change.request.id}).`,
              );
            return `${agentId}: ${lines.join(" ")}\n`;
          });
        },
        { as: { operation: monthly === undefined ? "limits.set" : "limits.request_monthly", cmd } },
      );
    },
  );
}
