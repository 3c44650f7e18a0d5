import { Command, CommanderError } from "commander";
import { migrateDatabase, migrationStatus } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { type AgentUsage, listUsage } from "@/lib/payment-core/budgets/usage";
import { parseUsdc } from "@/lib/payment-core/money";
import { getKillSwitch, type KillSwitchState, setKillSwitch } from "@/lib/payment-core/settings";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { registerAgents } from "./commands/agents";
import { registerAudit } from "./commands/audit";
import { registerBackup } from "./commands/backup";
import { registerLedger } from "./commands/ledger";
import { registerMonitor } from "./commands/monitor";
import { registerReconcile } from "./commands/reconcile";
import { registerSettle } from "./commands/settle";
import { CliFailure, describeError, EXIT, type Io, processIo, toJson, withDb } from "./context";
import { table, usdc2, usdc6 } from "./format";
import { intOption } from "./options";

function agentUsageJson(u: AgentUsage) {
  return {
    agent_id: u.agentId,
    name: u.name,
    status: u.status,
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

function killSwitchJson(s: KillSwitchState) {
  return {
    enabled: s.enabled,
    env: s.env,
    database: {
      enabled: s.database.enabled,
      updated_by: s.database.updatedBy,
      updated_at: s.database.updatedAt,
      reason: s.database.reason,
    },
  };
}

export function buildProgram(io: Io): Command {
  const program = new Command("x402")
    .description("x402 operations: budgets, ledger, kill switch, agents, users, database")
    .option("--json", "machine-readable output (stable field names; USDC as 6-decimal strings)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const json = (cmd: Command) => Boolean(cmd.optsWithGlobals().json);
  const print = (cmd: Command, data: unknown, human: () => string) => {
    io.stdout(json(cmd) ? `${toJson(data)}\n` : human());
  };
  const sub = (parent: Command, name: string) =>
    parent.command(name).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  sub(program, "budgets")
    .description("each agent's usage in the current UTC day and month, limits and their sources")
    .option("--agent <id>", "one agent only")
    .action(async (opts: { agent?: string }, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const usage = await listUsage(db, env.budget, { agentIds: opts.agent ? [opts.agent] : undefined });
        if (opts.agent && usage.length === 0) {
          throw new CliFailure("unknown_agent", `no agent named ${opts.agent}`, { agent_id: opts.agent });
        }
        print(cmd, { agents: usage.map(agentUsageJson) }, () =>
          table(
            [
              "AGENT",
              "STATUS",
              "DAILY (UTC)",
              "LIMIT",
              "SOURCE",
              "USED %",
              "MONTHLY (UTC)",
              "LIMIT",
              "SOURCE",
              "PER-TX MAX",
              "SOURCE",
            ],
            usage.map((u) => [
              u.agentId,
              u.status,
              usdc2(u.daily.spentMicro + u.daily.reservedMicro),
              usdc2(u.daily.limitMicro),
              u.daily.source,
              u.daily.utilizationPct,
              usdc2(u.monthly.spentMicro + u.monthly.reservedMicro),
              usdc2(u.monthly.limitMicro),
              u.monthly.source,
              usdc2(u.perTransactionMax.limitMicro),
              u.perTransactionMax.source,
            ]),
          ),
        );
      }),
    );

  registerLedger(program, { sub, print });

  sub(program, "kill-switch")
    .description("stop every payment at once (on), allow them again (off), or show the state")
    .argument("<action>", "on, off or status")
    .option("--reason <text>", "why (kept in the audit log)")
    .option(
      "--cancel-outstanding",
      "with on: also cancel every signed authorization not yet settled, on chain (the payer pays gas)",
    )
    .action(async (action: string, opts: { reason?: string; cancelOutstanding?: boolean }, cmd: Command) => {
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
      await withDb(async ({ db, env, actor }) => {
        if (action !== "status")
          await setKillSwitch(db, { enabled: action === "on", actor, reason: opts.reason });
        const state = await getKillSwitch(db, env.budget);
        // After the switch is on, nothing new is signed: what is left to stop is already signed.
        const cancelled = opts.cancelOutstanding
          ? await createPaymentService(db, env).resolve({ allOpen: true, cancel: true, actor })
          : null;
        const cancelJson = cancelled
          ? { cancel_outstanding: { scanned: cancelled.scanned, counts: cancelled.counts } }
          : {};
        print(cmd, { ...killSwitchJson(state), ...cancelJson }, () => {
          const lines = [`Payments are ${state.enabled ? "DISABLED" : "enabled"}.`];
          if (cancelled) {
            const c = cancelled.counts;
            lines.push(
              `Outstanding authorizations: ${c.cancelled} cancelled on chain, ${c.captured} had already settled (captured), ${c.released} released, ${c.held} still held${c.held ? " (run x402 settle to see why)" : ""}.`,
            );
          }
          if (state.env) lines.push("X402_PAYMENTS_DISABLED=true is set in the environment.");
          lines.push(
            `Database flag: ${state.database.enabled ? "on" : "off"} (by ${state.database.updatedBy} at ${state.database.updatedAt || "—"}${state.database.reason ? `: ${state.database.reason}` : ""})`,
          );
          return `${lines.join("\n")}\n`;
        });
      });
    });

  registerAgents(program, { sub, print });

  sub(program, "pay")
    .description("buy an HTTP resource over x402 for an agent, through the budget guard")
    .argument("<url>", "the resource")
    .requiredOption("--agent <id>", "the paying agent")
    .option("--max <usdc>", "refuse if the vendor asks more than this (USDC)")
    .option("--method <method>", "HTTP method", "GET")
    .option("--data <body>", "request body")
    .option("--header <name:value...>", "request header (repeatable)")
    .option("--idempotency-key <key>", "the same key never pays twice (default: a new random key)")
    .option("--vendor <label>", "ledger label for the vendor (default: the URL's host)")
    .action(
      async (
        url: string,
        opts: {
          agent: string;
          max?: string;
          method: string;
          data?: string;
          header?: string[];
          idempotencyKey?: string;
          vendor?: string;
        },
        cmd: Command,
      ) => {
        const maxPriceMicro = opts.max === undefined ? undefined : parseUsdc(opts.max);
        const headers: Record<string, string> = {};
        for (const h of opts.header ?? []) {
          const at = h.indexOf(":");
          if (at < 1)
            throw new CliFailure(
              "bad_usage",
              `--header ${JSON.stringify(h)}: expected name:value`,
              {},
              EXIT.usage,
            );
          headers[h.slice(0, at).trim()] = h.slice(at + 1).trim();
        }
        await withDb(async ({ db, env }) => {
          const service = createPaymentService(db, env);
          if (!service.payer) {
            throw new CliFailure(
              "payer_not_configured",
              "set X402_PAYER_PRIVATE_KEY and X402_USDC_ADDRESS to pay",
            );
          }
          const outcome = await service.payer.payForService({
            agentId: opts.agent,
            url,
            method: opts.method,
            headers,
            body: opts.data,
            maxPriceMicro,
            idempotencyKey: opts.idempotencyKey ?? `cli-${crypto.randomUUID()}`,
            vendor: opts.vendor,
          });
          if (!outcome.ok) {
            const f = outcome.figures ?? {};
            throw new CliFailure(outcome.code, outcome.message, {
              transaction_id: outcome.transactionId,
              ...(f.limitMicro !== undefined ? { limit_usdc: usdc6(f.limitMicro) } : {}),
              ...(f.usedMicro !== undefined ? { used_usdc: usdc6(f.usedMicro) } : {}),
              ...(f.remainingMicro !== undefined ? { remaining_usdc: usdc6(f.remainingMicro) } : {}),
            });
          }
          const data = outcome.paid
            ? {
                transaction_id: outcome.transactionId,
                status: outcome.status,
                price_usdc: usdc6(outcome.priceMicro),
                tx_hash: outcome.txHash,
                vendor: outcome.vendor,
                latency_ms: outcome.latencyMs,
                replayed: outcome.replayed,
                response: outcome.response,
              }
            : {
                transaction_id: null,
                status: "not_required",
                price_usdc: usdc6(0n),
                vendor: outcome.vendor,
                latency_ms: outcome.latencyMs,
                response: outcome.response,
              };
          print(cmd, data, () =>
            outcome.paid
              ? `Paid $${usdc2(outcome.priceMicro)} to ${outcome.vendor} (${outcome.transactionId}, tx ${outcome.txHash}) in ${outcome.latencyMs} ms; vendor answered ${outcome.response?.status}.\n`
              : `No payment required; vendor answered ${outcome.response.status}.\n`,
          );
        });
      },
    );

  const database = sub(program, "db").description("the PostgreSQL ledger");
  sub(database, "migrate")
    .description("apply the committed migrations")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(
        async ({ db }) => {
          await migrateDatabase(db);
          const status = await migrationStatus(db);
          print(
            cmd,
            { migrations: status },
            () => `Migrations applied: ${status.applied}/${status.expected} (latest ${status.latest}).\n`,
          );
        },
        { migrate: false },
      ),
    );
  sub(database, "seed-demo")
    .description("write deterministic demo history for the three seed agents")
    .option("--days <n>", "days of history, ending today (UTC)", intOption(1, 366), 30)
    .action(async (opts: { days: number }, cmd: Command) =>
      withDb(async ({ db, env, actor }) => {
        const result = await seedDemo(db, { days: opts.days, config: env.budget, actor });
        print(
          cmd,
          { days: opts.days, rows: result.rows, inserted: result.inserted },
          () =>
            `Demo history: ${result.rows} transactions over ${opts.days} days (${result.inserted} new).\n`,
        );
      }),
    );

  registerSettle(program, { sub, print });
  registerMonitor(program, { sub, print });
  registerReconcile(program, { sub, print });
  registerAudit(program, { sub, print, io });
  registerBackup(program, { sub, print });
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  const wantsJson = argv.includes("--json");
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.exitCode === 0 || error.code === "commander.helpDisplayed")
    ) {
      return EXIT.ok;
    }
    const { exitCode, code, message, details } = describeError(error);
    if (error instanceof CliFailure && error.reported) return exitCode;
    if (wantsJson) io.stdout(`${toJson({ error: { code, message, ...details } })}\n`);
    else if (!(error instanceof CommanderError)) io.stderr(`x402: ${message}\n`);
    return exitCode;
  }
}
