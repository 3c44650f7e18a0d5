import type { Command } from "commander";
import { asc, eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema";
import { getKillSwitch, type KillSwitchState, setKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import {
  type Enforced,
  enforcedConfig,
  enforcedJson,
  enforcedNotes,
  killSwitchDifferences,
} from "../enforced";
import { snakeKeys } from "../json";

function killSwitchJson(s: KillSwitchState) {
  return {
    enabled: s.enabled,
    env: s.env,
    database: snakeKeys(s.database, ["enabled", "updatedBy", "updatedAt", "reason"]),
  };
}

/**
 * Where each value of the state came from: X402_PAYMENTS_DISABLED from the serving console's
 * recorded environment (or, when none was recorded, this shell's), the database flag from the
 * `kill_switch` setting (or its default, never set), and agents paused one by one.
 */
function killSwitchSources(s: KillSwitchState, enforced: Enforced, paused: string[]) {
  const env = enforced.recorded
    ? {
        value: s.env,
        from: "server_environment" as const,
        recorded_at: enforced.recorded.recordedAt,
        pid: enforced.recorded.pid,
        host: enforced.recorded.host,
      }
    : { value: s.env, from: "shell_environment" as const, recorded_at: null, pid: null, host: null };
  const database = s.database.updatedAt
    ? { value: s.database.enabled, from: "database" as const, setting: "kill_switch" }
    : { value: s.database.enabled, from: "default" as const, setting: "kill_switch" };
  const stoppedBy = [
    ...(s.env ? ["X402_PAYMENTS_DISABLED"] : []),
    ...(s.database.enabled ? ["database"] : []),
  ];
  return {
    stopped_by: stoppedBy,
    X402_PAYMENTS_DISABLED: env,
    database,
    paused_agents: { from: "agents", ids: paused },
  };
}

type Sources = ReturnType<typeof killSwitchSources>;

function sourceLines(s: KillSwitchState, src: Sources): string[] {
  const env = src.X402_PAYMENTS_DISABLED;
  const lines = [
    src.stopped_by.length > 0
      ? `Payments are DISABLED, stopped by: ${src.stopped_by.map((b) => (b === "database" ? "the database flag" : b)).join(" and ")}.`
      : "Payments are enabled.",
    `X402_PAYMENTS_DISABLED: ${env.value} (from ${env.from === "server_environment" ? `the server's environment, recorded by pid ${env.pid} on ${env.host} at ${env.recorded_at}` : "this shell's environment: no console has recorded its own"})`,
    src.database.from === "database"
      ? `Database flag: ${s.database.enabled ? "on" : "off"} (from the database setting kill_switch, set by ${s.database.updatedBy} at ${s.database.updatedAt}${s.database.reason ? `: ${s.database.reason}` : ""})`
      : "Database flag: off (default: the database setting kill_switch was never set)",
    src.paused_agents.ids.length > 0
      ? `Paused agents (each stopped on its own, from the agents table): ${src.paused_agents.ids.join(", ")}`
      : "Paused agents: none",
  ];
  return lines;
}

async function pausedAgents(db: Database): Promise<string[]> {
  const rows = await db
    .select({ id: agents.id })
    .from(agents)
    .where(eq(agents.status, "paused"))
    .orderBy(asc(agents.id));
  return rows.map((r) => r.id);
}

/** The console's rule for the reason of a stop or a resume (app/(console)/kill-switch/actions.ts). */
const REASON_MIN = 3;
const REASON_MAX = 500;

/**
 * `x402 kill-switch on|off|status`. The state shown is the payment path's: the database flag and
 * X402_PAYMENTS_DISABLED as the serving console has it (recorded at its start), not this shell's.
 */
export function registerKillSwitch(program: Command, { sub, print }: CommandKit): void {
  mutating(
    sub(program, "kill-switch")
      .description("stop every payment at once (on), allow them again (off), or show the state")
      .argument("<action>", "on, off or status")
      .option("--reason <text>", "why (kept in the audit log); required with on and off")
      .option(
        "--cancel-outstanding",
        "with on: also cancel every signed authorization not yet settled, on chain (the payer pays gas)",
      ),
  ).action(async (action: string, opts: { reason?: string; cancelOutstanding?: boolean }, cmd: Command) => {
    if (opts.cancelOutstanding && action !== "on") {
      throw new CliFailure("bad_usage", "--cancel-outstanding goes with on", {}, EXIT.usage);
    }
    if (!["on", "off", "status"].includes(action)) {
      throw new CliFailure(
        "bad_usage",
        `kill-switch takes on, off or status, not ${JSON.stringify(action)}`,
        {},
        EXIT.usage,
      );
    }
    const reason = opts.reason?.trim() ?? "";
    if (action !== "status" && reason.length < REASON_MIN) {
      const why = action === "on" ? "why payments stop" : "why payments may go again";
      throw new CliFailure(
        "reason_required",
        `kill-switch ${action} needs --reason: ${why} (at least ${REASON_MIN} characters), as the console asks`,
        { flag: "--reason" },
        EXIT.usage,
      );
    }
    if (reason.length > REASON_MAX) {
      throw new CliFailure("invalid_reason", `--reason: at most ${REASON_MAX} characters`, {}, EXIT.usage);
    }
    await withDb(
      async ({ db, env, actor, enforced: given }) => {
        if (action !== "status") await setKillSwitch(db, { enabled: action === "on", actor, reason });
        const enforced = given ?? (await enforcedConfig(db, env));
        const state = await getKillSwitch(db, enforced.budget);
        // After the switch is on, nothing new is signed: what is left to stop is already signed.
        const cancelled = opts.cancelOutstanding
          ? // The payment service (and the x402 and chain code behind it) only for --cancel-outstanding.
            await (await import("@/lib/payment-core/x402/service"))
              .createPaymentService(db, env)
              .resolve({ allOpen: true, cancel: true, actor })
          : null;
        const cancelJson = cancelled
          ? { cancel_outstanding: { scanned: cancelled.scanned, counts: cancelled.counts } }
          : {};
        const differences = killSwitchDifferences(enforced);
        const sources = killSwitchSources(state, enforced, await pausedAgents(db));
        print(
          cmd,
          { ...killSwitchJson(state), sources, ...cancelJson, ...enforcedJson(enforced, differences) },
          () => {
            const [headline, ...origins] = sourceLines(state, sources);
            const lines = [headline as string];
            if (cancelled) {
              const c = cancelled.counts;
              lines.push(
                `Outstanding authorizations: ${c.cancelled} cancelled on chain, ${c.captured} had already settled (captured), ${c.released} released, ${c.held} still held${c.held ? " (run x402 settle to see why)" : ""}.`,
              );
            }
            if (state.env)
              lines.push(
                `X402_PAYMENTS_DISABLED=true is set in ${enforced.recorded ? "the server's" : "this shell's"} environment.`,
              );
            lines.push(...origins);
            return `${lines.join("\n")}\n${enforcedNotes(enforced, differences)}`;
          },
        );
      },
      action === "status" ? {} : { as: { operation: "kill_switch.set", cmd } },
    );
  });
}
