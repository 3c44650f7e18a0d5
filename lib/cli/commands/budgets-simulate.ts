import type { Command } from "commander";
import {
  BACKTEST_DEFAULT_DAYS,
  BACKTEST_MAX_DAYS,
  type Backtest,
  type BacktestOutcome,
  backtestLimits,
  type Tally,
} from "@/lib/payment-core/budgets/backtest";
import { parseUsdc } from "@/lib/payment-core/support/money";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { enforcedConfig } from "../enforced";
import { formatDollars, formatMoney, table, usdc6 } from "../format";
import { intOption } from "../options";

/** A limit to try, in dollars ("50", "$50", "0.25"): the money parser's, never a float. */
function limitOption(flag: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const micro = parseUsdc(value.trim().replace(/^\$/, ""));
  if (micro <= 0n) {
    throw new CliFailure("invalid_amount", `${flag}: must be more than 0 USDC`, { flag }, EXIT.usage);
  }
  return micro;
}

const tallyJson = (t: Tally) => ({ count: t.count, amount: usdc6(t.amountMicro) });

function outcomeJson(o: BacktestOutcome) {
  return {
    limits: {
      daily: usdc6(o.limits.dailyMicro),
      monthly: usdc6(o.limits.monthlyMicro),
      per_transaction: usdc6(o.limits.perTransactionMicro),
    },
    refused: tallyJson(o.refused),
    by_limit: Object.fromEntries(Object.entries(o.byLimit).map(([k, t]) => [k, tallyJson(t)])),
    by_day: o.byDay.map((d) => ({ day: d.day, ...tallyJson(d) })),
    by_vendor: o.byVendor.map((v) => ({ vendor: v.vendor, ...tallyJson(v) })),
  };
}

export function backtestJson(b: Backtest) {
  return {
    agent_id: b.agentId,
    days: b.days,
    from: b.from,
    to: b.to,
    payments: tallyJson(b.payments),
    proposed: outcomeJson(b.proposed),
    current: outcomeJson(b.current),
  };
}

const plural = (n: number, one: string) => `${n.toLocaleString("en-US")} ${one}${n === 1 ? "" : "s"}`;

function backtestText(b: Backtest): string {
  const window = `the last ${plural(b.days, "day")} (${b.from} to ${b.to}, UTC)`;
  if (b.payments.count === 0) return `${b.agentId}: no payments in ${window}.\n`;
  const p = b.proposed;
  const c = b.current;
  const lines = [
    `${b.agentId}: ${plural(b.payments.count, "payment")} (${formatMoney(b.payments.amountMicro)}) in ${window}.`,
    `With daily ${formatMoney(p.limits.dailyMicro)}, monthly ${formatMoney(p.limits.monthlyMicro)}, per-transaction ${formatDollars(p.limits.perTransactionMicro)}: ${plural(p.refused.count, "payment")} (${formatMoney(p.refused.amountMicro)}) would have been refused.`,
    `With the current limits (daily ${formatMoney(c.limits.dailyMicro)}, monthly ${formatMoney(c.limits.monthlyMicro)}, per-transaction ${formatDollars(c.limits.perTransactionMicro)}): ${plural(c.refused.count, "payment")} (${formatMoney(c.refused.amountMicro)}).`,
  ];
  const limits = Object.entries(p.byLimit).filter(([, t]) => t.count > 0);
  if (limits.length > 0) {
    lines.push(
      `By limit: ${limits.map(([k, t]) => `${k} ${t.count} (${formatMoney(t.amountMicro)})`).join(", ")}.`,
    );
  }
  let out = `${lines.join("\n")}\n`;
  if (p.byDay.length > 0) {
    out += `\n${table(
      ["DAY (UTC)", "REFUSED", "AMOUNT"],
      p.byDay.map((d) => [d.day, d.count, formatMoney(d.amountMicro)]),
    )}`;
    out += `\n${table(
      ["VENDOR", "REFUSED", "AMOUNT"],
      p.byVendor.map((v) => [v.vendor || "(none)", v.count, formatMoney(v.amountMicro)]),
    )}`;
  }
  return out;
}

/** `x402 budgets simulate`: the policy backtest, read-only. */
export function registerBudgetsSimulate(budgets: Command, { sub, print }: CommandKit): void {
  sub(budgets, "simulate")
    .description(
      "what other limits would have refused of an agent's payments over the last days (read-only): count, amount, by UTC day, vendor and limit, beside the current limits",
    )
    .option("--agent <id>", "the agent (required)")
    .option("--daily <usd>", "daily limit to try (UTC day; default: the current one)")
    .option("--monthly <usd>", "monthly limit to try (UTC month; default: the current one)")
    .option("--per-tx <usd>", "per-transaction maximum to try (default: the current one)")
    .option(
      "--days <n>",
      `UTC days back, today included (1-${BACKTEST_MAX_DAYS})`,
      intOption(1, BACKTEST_MAX_DAYS),
      BACKTEST_DEFAULT_DAYS,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      // optsWithGlobals: `x402 budgets` has an --agent of its own, which commander may give the value to.
      const opts = cmd.optsWithGlobals<{
        agent?: string;
        daily?: string;
        monthly?: string;
        perTx?: string;
        days: number;
      }>();
      if (!opts.agent) throw new CliFailure("bad_usage", "give --agent", {}, EXIT.usage);
      const agentId = opts.agent;
      const limits = {
        dailyMicro: limitOption("--daily", opts.daily),
        monthlyMicro: limitOption("--monthly", opts.monthly),
        perTransactionMicro: limitOption("--per-tx", opts.perTx),
      };
      await withDb(async ({ db, env, enforced: given }) => {
        const enforced = given ?? (await enforcedConfig(db, env));
        const result = await backtestLimits(db, enforced.budget, { agentId, limits, days: opts.days });
        print(cmd, backtestJson(result), () => backtestText(result));
      });
    });
}
