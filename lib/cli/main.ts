import { Command, CommanderError } from "commander";
import { migrationStatus } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { mutating } from "./auth";
import { registerAgents } from "./commands/agents";
import { registerApprovals } from "./commands/approvals";
import { registerAudit } from "./commands/audit";
import { registerAuditLog } from "./commands/audit-log";
import { registerBackup } from "./commands/backup";
import { registerBudgets } from "./commands/budgets";
import { registerKillSwitch } from "./commands/kill-switch";
import { registerLedger } from "./commands/ledger";
import { registerLogin } from "./commands/login";
import { registerMcp } from "./commands/mcp";
import { registerMonitor } from "./commands/monitor";
import { registerPay } from "./commands/pay";
import { registerReconcile } from "./commands/reconcile";
import { registerSettle } from "./commands/settle";
import { registerTreasury } from "./commands/treasury";
import { registerVendors } from "./commands/vendors";
import { registerWallet } from "./commands/wallet";
import { CliFailure, describeError, EXIT, type Io, processIo, toJson, withDb } from "./context";
import { intOption } from "./options";
import { refuseUnsafeArguments } from "./safe-arguments";

export function buildProgram(io: Io): Command {
  const program = new Command("x402")
    .description(
      "x402 operations: budgets, approvals, ledger, kill switch, agents, payments, wallet, users, database",
    )
    .option("--json", "machine-readable output (stable field names; USDC as 6-decimal strings)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Before any command's action: no control character or lone surrogate in any argument.
    .hook("preAction", (_program, actionCommand) => refuseUnsafeArguments(actionCommand));

  const json = (cmd: Command) => Boolean(cmd.optsWithGlobals().json);
  const print = (cmd: Command, data: unknown, human: () => string) => {
    io.stdout(json(cmd) ? `${toJson(data)}\n` : human());
  };
  const sub = (parent: Command, name: string) =>
    parent.command(name).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  registerLogin(program, { sub, print, io });
  registerBudgets(program, { sub, print });
  registerApprovals(program, { sub, print });
  registerLedger(program, { sub, print });

  registerKillSwitch(program, { sub, print });

  registerAgents(program, { sub, print });
  registerVendors(program, { sub, print });

  registerPay(program, { sub, print, io });
  registerMcp(program, { sub, print, io });
  registerWallet(program, { sub, print });
  registerTreasury(program, { sub, print });

  const database = sub(program, "db").description("the PostgreSQL ledger");
  sub(database, "migrate")
    .description("apply the committed migrations")
    .action(async (_opts: unknown, cmd: Command) =>
      // withDb migrates first, over DATABASE_DIRECT_URL when DATABASE_URL is a transaction pooler.
      withDb(
        async ({ db }) => {
          const status = await migrationStatus(db);
          print(
            cmd,
            { migrations: status },
            () => `Migrations applied: ${status.applied}/${status.expected} (latest ${status.latest}).\n`,
          );
        },
        { migrate: true },
      ),
    );
  mutating(sub(database, "seed-demo"))
    .description("write deterministic demo history for the three seed agents")
    .option("--days <n>", "days of history, ending today (UTC)", intOption(1, 366), 30)
    .action(async (opts: { days: number }, cmd: Command) =>
      withDb(
        async ({ db, env, actor }) => {
          const result = await seedDemo(db, { days: opts.days, config: env.budget, actor });
          print(
            cmd,
            { days: opts.days, rows: result.rows, inserted: result.inserted },
            () =>
              `Demo history: ${result.rows} transactions over ${opts.days} days (${result.inserted} new).\n`,
          );
        },
        { as: { operation: "database.seed_demo", cmd } },
      ),
    );

  registerSettle(program, { sub, print });
  registerMonitor(program, { sub, print });
  registerReconcile(program, { sub, print });
  registerAudit(program, { sub, print, io });
  registerAuditLog(program, { sub, print });
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
