import type { Command } from "commander";
import {
  type Cap,
  type CapWindow,
  capChangeInput,
  capChangeOperation,
  listCaps,
  setCaps,
} from "@/lib/payment-core/budgets/caps";
import { type Micro, MoneyParseError, parseUsdc } from "@/lib/payment-core/support/money";
import { actorFor, mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { formatMoney, table, usdc6 } from "../format";

/**
 * Fleet and per-vendor caps on the command line: `x402 budgets` lists them (capsJson, capsTable),
 * `x402 budgets fleet set|clear` and `x402 budgets vendor set|clear <host>` change them through
 * lib/payment-core/budgets/caps.ts, with the console's rule: tightening is an operator's, raising or
 * removing a cap an approver's.
 */

/** `--daily 100`, `--daily clear`, or absent. */
function capOption(flag: string, value: string | undefined): Micro | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === "clear") return null;
  try {
    return parseUsdc(value.trim().replace(/^\$/, ""));
  } catch (error) {
    const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
    throw new CliFailure(
      "invalid_amount",
      `${flag}: an amount like 100 or 0.50, or clear (${reason})`,
      { flag },
      EXIT.usage,
    );
  }
}

function windowJson(w: CapWindow | null) {
  return w === null
    ? null
    : {
        limit: usdc6(w.limitMicro),
        spent: usdc6(w.spentMicro),
        reserved: usdc6(w.reservedMicro),
        remaining: usdc6(w.remainingMicro),
        set_by: w.setBy,
        set_at: w.setAt.toISOString(),
      };
}

export function capsJson(caps: Cap[]) {
  return caps.map((c) => ({
    scope: c.vendor === null ? "fleet" : "vendor",
    vendor: c.vendor,
    agent_id: c.agentId,
    daily: windowJson(c.daily),
    monthly: windowJson(c.monthly),
  }));
}

export function capsTable(caps: Cap[]): string {
  if (caps.length === 0) return "No fleet or vendor caps.\n";
  const cell = (w: CapWindow | null) =>
    w === null
      ? ["-", "-"]
      : [
          `${formatMoney(w.spentMicro + w.reservedMicro)} / ${formatMoney(w.limitMicro)}`,
          formatMoney(w.remainingMicro),
        ];
  const rows = caps.map((c) => [
    c.vendor ?? "(fleet)",
    c.vendor === null ? "-" : (c.agentId ?? "all agents"),
    ...cell(c.daily),
    ...cell(c.monthly),
  ]);
  return table(["CAP", "AGENT", "TODAY (UTC) / CAP", "LEFT", "MONTH (UTC) / CAP", "LEFT"], rows);
}

function registerChange(
  parent: Command,
  { sub, print }: CommandKit,
  spec: { vendor: boolean; clear: boolean },
): void {
  const cmd = sub(parent, spec.clear ? "clear" : "set");
  if (spec.vendor) cmd.argument("<host>", "the vendor's host, as the ledger names it (host[:port])");
  if (spec.vendor)
    cmd.option("--agent <id>", "one agent's cap at this vendor (default: all agents together)");
  if (spec.clear) {
    cmd.description(
      spec.vendor
        ? "remove a vendor's caps (needs an approver)"
        : "remove the fleet's caps (needs an approver)",
    );
  } else {
    cmd
      .description(
        spec.vendor
          ? "set a vendor's daily and monthly caps (UTC), for all agents or one; lowering is an operator's, raising or clear an approver's"
          : "set the fleet's daily and monthly caps (UTC) over every agent's spend; lowering is an operator's, raising or clear an approver's",
      )
      .option("--daily <usd>", "the UTC day's cap, or clear")
      .option("--monthly <usd>", "the UTC month's cap, or clear");
  }
  mutating(cmd).action(async (...args: unknown[]) => {
    const c = args[args.length - 1] as Command;
    const host = spec.vendor ? (args[0] as string) : null;
    // optsWithGlobals: `x402 budgets` has an --agent of its own, which commander may give the value to.
    const opts = c.optsWithGlobals<{ agent?: string; daily?: string; monthly?: string; reason?: string }>();
    const daily = spec.clear ? null : capOption("--daily", opts.daily);
    const monthly = spec.clear ? null : capOption("--monthly", opts.monthly);
    if (daily === undefined && monthly === undefined) {
      throw new CliFailure("bad_usage", "give --daily or --monthly (an amount, or clear)", {}, EXIT.usage);
    }
    await withDb(async ({ db, env }) => {
      const now = new Date();
      const input = { vendor: host, agentId: opts.agent ?? null, daily, monthly };
      // Which role this needs, judged on the caps now; setCaps judges again under its lock.
      const parsed = capChangeInput.safeParse(input);
      const scope = parsed.success ? parsed.data : { vendor: host, agentId: opts.agent ?? null };
      const before = (await listCaps(db, { now })).find(
        (x) => x.vendor === scope.vendor && x.agentId === scope.agentId,
      );
      const was = { daily: before?.daily?.limitMicro ?? null, monthly: before?.monthly?.limitMicro ?? null };
      const operation = capChangeOperation(was, {
        daily: daily === undefined ? was.daily : daily,
        monthly: monthly === undefined ? was.monthly : monthly,
      });
      const actor = await actorFor(db, env, { operation, cmd: c });
      const result = await setCaps(db, input, {
        actor,
        now,
        mayLoosen: operation === "budgets.caps_loosen",
        reason: opts.reason?.trim() || null,
      });
      const money = (m: Micro | null) => (m === null ? null : usdc6(m));
      print(
        c,
        {
          scope: result.scope.vendor === null ? "fleet" : "vendor",
          vendor: result.scope.vendor,
          agent_id: result.scope.agentId,
          before: { daily: money(result.before.daily), monthly: money(result.before.monthly) },
          after: { daily: money(result.after.daily), monthly: money(result.after.monthly) },
        },
        () => {
          const who =
            result.scope.vendor === null
              ? "Fleet"
              : `${result.scope.vendor}${result.scope.agentId ? ` (${result.scope.agentId})` : " (all agents)"}`;
          const show = (m: Micro | null) => (m === null ? "none" : formatMoney(m));
          return `${who}: daily cap ${show(result.after.daily)}, monthly cap ${show(result.after.monthly)}.\n`;
        },
      );
    });
  });
}

/** `x402 budgets fleet set|clear` and `x402 budgets vendor set|clear <host>`. */
export function registerBudgetCaps(budgets: Command, kit: CommandKit): void {
  const fleet = kit.sub(budgets, "fleet").description("the fleet-wide caps over every agent's spend");
  registerChange(fleet, kit, { vendor: false, clear: false });
  registerChange(fleet, kit, { vendor: false, clear: true });
  const vendor = kit
    .sub(budgets, "vendor")
    .description("per-vendor caps, for all agents together or one agent");
  registerChange(vendor, kit, { vendor: true, clear: false });
  registerChange(vendor, kit, { vendor: true, clear: true });
}
