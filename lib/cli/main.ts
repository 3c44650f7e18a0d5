import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { migrateDatabase, migrationStatus } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { addAgent, listAgents, rotateAgentKey, setAgentStatus } from "@/lib/payment-core/agents";
import { type AgentUsage, listUsage } from "@/lib/payment-core/budgets/usage";
import { exportJsonl, importJsonl, readFileLines } from "@/lib/payment-core/ledger/jsonl";
import {
  getDailyTotal,
  getTransaction,
  type LedgerTransaction,
  listTransactions,
  TRANSACTION_STATUSES,
  type TransactionStatus,
} from "@/lib/payment-core/ledger/read";
import { parseUsdc } from "@/lib/payment-core/money";
import { getKillSwitch, type KillSwitchState, setKillSwitch } from "@/lib/payment-core/settings";
import { addUser, ROLES } from "@/lib/payment-core/users";
import { getVendorPolicy, setVendorPolicy, type VendorPolicy } from "@/lib/payment-core/vendor-policy";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { registerAudit } from "./commands/audit";
import { registerReconcile } from "./commands/reconcile";
import { registerSettle } from "./commands/settle";
import { CliFailure, describeError, EXIT, type Io, processIo, toJson, withDb } from "./context";
import { table, usdc2, usdc6 } from "./format";

function intOption(min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return Number(value);
  };
}

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

function transactionJson(t: LedgerTransaction) {
  return {
    transaction_id: t.id,
    timestamp: t.createdAt,
    agent_id: t.agentId,
    vendor: t.vendor,
    price_usdc: usdc6(t.amountMicro),
    status: t.status,
    blockchain_tx_hash: t.txHash,
    error: t.errorMessage,
    error_code: t.errorCode,
    resource_url: t.resourceUrl,
    method: t.method,
    asset: t.asset,
    network: t.network,
    payer: t.payer,
    payee: t.payee,
    nonce: t.nonce,
    valid_after: t.validAfter,
    valid_before: t.validBefore,
    latency_ms: t.latencyMs,
    retry_count: t.retryCount,
    idempotency_key: t.idempotencyKey,
    completed_at: t.completedAt,
    updated_at: t.updatedAt,
    metadata: t.metadata,
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

  const ledger = sub(program, "ledger").description("the payment ledger");

  sub(ledger, "list")
    .description("recent transactions, newest first")
    .option("--agent <id>", "only this agent")
    .option("--date <YYYY-MM-DD>", "only this UTC day")
    .addOption(new Option("--status <status>", "only this status").choices([...TRANSACTION_STATUSES]))
    .option("--vendor <name>", "only this vendor")
    .option("--limit <n>", "how many (1-10000)", intOption(1, 10_000), 20)
    .option("--cursor <cursor>", "continue after a previous page (its next_cursor)")
    .action(
      async (
        opts: {
          agent?: string;
          date?: string;
          status?: TransactionStatus;
          vendor?: string;
          limit: number;
          cursor?: string;
        },
        cmd: Command,
      ) =>
        withDb(async ({ db }) => {
          const page = await listTransactions(
            db,
            { agentId: opts.agent, date: opts.date, status: opts.status, vendor: opts.vendor },
            { limit: opts.limit, cursor: opts.cursor },
          );
          print(cmd, { transactions: page.rows.map(transactionJson), next_cursor: page.nextCursor }, () =>
            page.rows.length === 0
              ? "No transactions match.\n"
              : table(
                  ["TRANSACTION", "TIME (UTC)", "AGENT", "VENDOR", "USDC", "STATUS", "ERROR"],
                  page.rows.map((t) => [
                    t.id,
                    t.createdAt.slice(0, 19).replace("T", " "),
                    t.agentId,
                    t.vendor,
                    usdc2(t.amountMicro),
                    t.status,
                    t.errorCode ?? t.errorMessage ?? "",
                  ]),
                ) + (page.nextCursor ? `More: --cursor ${page.nextCursor}\n` : ""),
          );
        }),
    );

  sub(ledger, "get")
    .description("one transaction with its status and error")
    .argument("<id>", "transaction id (tx_…)")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withDb(async ({ db }) => {
        const t = await getTransaction(db, id);
        if (!t) throw new CliFailure("transaction_not_found", `no transaction ${id}`, { transaction_id: id });
        print(cmd, { transaction: transactionJson(t) }, () =>
          table(
            ["FIELD", "VALUE"],
            Object.entries(transactionJson(t))
              .filter(([k]) => k !== "metadata")
              .map(([k, v]) => [k, v === null ? "—" : String(v)]),
          ),
        );
      }),
    );

  sub(ledger, "daily-total")
    .description("completed spend in one UTC day")
    .argument("<date>", "YYYY-MM-DD (UTC)")
    .option("--agent <id>", "only this agent")
    .action(async (date: string, opts: { agent?: string }, cmd: Command) =>
      withDb(async ({ db }) => {
        const total = await getDailyTotal(db, date, { agentId: opts.agent });
        print(
          cmd,
          {
            date: total.day,
            agent_id: opts.agent ?? null,
            total_usdc: usdc6(total.totalMicro),
            count: total.count,
          },
          () =>
            `Total spend on ${total.day} (UTC): $${usdc2(total.totalMicro)} in ${total.count} completed payments\n`,
        );
      }),
    );

  sub(ledger, "import")
    .description("import the operations guide's transactions.jsonl (all or nothing unless --skip-invalid)")
    .argument("<file>", "path to a JSONL file")
    .option("--skip-invalid", "import the valid lines and list the invalid ones")
    .action(async (file: string, opts: { skipInvalid?: boolean }, cmd: Command) => {
      await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new CliFailure(
          "file_not_found",
          `cannot read ${file}: ${error.code ?? error.message}`,
          { file },
          EXIT.usage,
        );
      });
      await withDb(async ({ db, actor }) => {
        const report = await importJsonl(db, readFileLines(file), {
          skipInvalid: opts.skipInvalid,
          actor,
          source: path.basename(file),
        });
        const data = {
          file,
          committed: report.committed,
          lines: report.lines,
          imported: report.imported,
          already_present: report.alreadyPresent,
          invalid: report.invalid,
        };
        print(cmd, data, () => {
          const bad = report.invalid.map((i) => `  line ${i.line}: ${i.reason}\n`).join("");
          return report.committed
            ? `Imported ${report.imported} of ${report.lines} lines (${report.alreadyPresent} already present${report.invalid.length ? `, ${report.invalid.length} invalid skipped` : ""}).\n${bad}`
            : `Nothing imported: ${report.invalid.length} invalid line(s). Fix them or use --skip-invalid.\n${bad}`;
        });
        if (!report.committed)
          throw new CliFailure("invalid_lines", "the file has invalid lines", {}, EXIT.failed, true);
      });
    });

  sub(ledger, "export")
    .description("stream the ledger, oldest first, in the operations guide's JSONL format")
    .option("--out <file>", "write to this file instead of standard output")
    .option("--agent <id>", "only this agent")
    .option("--date <YYYY-MM-DD>", "only this UTC day")
    .action(async (opts: { out?: string; agent?: string; date?: string }, cmd: Command) =>
      withDb(async ({ db }) => {
        const lines = exportJsonl(db, { agentId: opts.agent, date: opts.date });
        let count = 0;
        if (!opts.out) {
          for await (const line of lines) {
            count++;
            if (!process.stdout.write(line)) await once(process.stdout, "drain");
          }
          return;
        }
        const tmp = `${opts.out}.partial`;
        const out = createWriteStream(tmp);
        for await (const line of lines) {
          count++;
          if (!out.write(line)) await once(out, "drain");
        }
        out.end();
        await once(out, "finish");
        const { rename } = await import("node:fs/promises");
        await rename(tmp, opts.out);
        print(
          cmd,
          { out: opts.out, transactions: count },
          () => `Wrote ${count} transactions to ${opts.out}\n`,
        );
      }),
    );

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

  const agents = sub(program, "agents").description("the agents that pay");
  const agentJson = (a: Awaited<ReturnType<typeof listAgents>>[number]) => ({
    id: a.id,
    name: a.name,
    status: a.status,
    api_key_prefix: a.apiKeyPrefix,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  });
  const keyNotice = (id: string, key: string) =>
    `API key for ${id} (shown once, store it in your secrets manager):\n${key}\n`;

  sub(agents, "list")
    .description("every agent")
    .action(async (_opts: unknown, cmd: Command) =>
      withDb(async ({ db }) => {
        const list = await listAgents(db);
        print(cmd, { agents: list.map(agentJson) }, () =>
          table(
            ["AGENT", "NAME", "STATUS", "KEY"],
            list.map((a) => [a.id, a.name, a.status, a.apiKeyPrefix ? `${a.apiKeyPrefix}…` : "none"]),
          ),
        );
      }),
    );
  sub(agents, "add")
    .description("create an agent and its API key")
    .argument("<id>", "slug such as builder_agent")
    .option("--name <name>", "display name")
    .action(async (id: string, opts: { name?: string }, cmd: Command) =>
      withDb(async ({ db, actor }) => {
        const { agent, apiKey } = await addAgent(db, { id, name: opts.name, actor });
        print(
          cmd,
          { agent: agentJson(agent), api_key: apiKey },
          () => `Added ${agent.id}.\n${keyNotice(agent.id, apiKey)}`,
        );
      }),
    );
  for (const [name, status] of [
    ["pause", "paused"],
    ["resume", "active"],
  ] as const) {
    sub(agents, name)
      .description(
        name === "pause"
          ? "refuse the agent's payments from its next one"
          : "allow the agent's payments again",
      )
      .argument("<id>", "agent id")
      .option("--reason <text>", "why (kept in the audit log)")
      .action(async (id: string, opts: { reason?: string }, cmd: Command) =>
        withDb(async ({ db, actor }) => {
          const agent = await setAgentStatus(db, { id, status, actor, reason: opts.reason });
          print(cmd, { agent: agentJson(agent) }, () => `${agent.id} is ${agent.status}.\n`);
        }),
      );
  }
  sub(agents, "rotate-key")
    .description("replace the agent's API key (the old one stops working)")
    .argument("<id>", "agent id")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withDb(async ({ db, actor }) => {
        const { agent, apiKey } = await rotateAgentKey(db, { id, actor });
        print(cmd, { agent: agentJson(agent), api_key: apiKey }, () => keyNotice(agent.id, apiKey));
      }),
    );
  const list = (value: string) =>
    value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
  const policyText = (id: string, p: VendorPolicy) =>
    `${id} may pay\n  hosts:  ${p.hosts.length ? p.hosts.join(", ") : "any"}\n  payees: ${p.payees.length ? p.payees.join(", ") : "any"}\n`;
  sub(agents, "vendors")
    .description("show or set the hosts and payee addresses the agent may pay (empty: any)")
    .argument("<id>", "agent id")
    .option("--hosts <list>", 'comma-separated host or host:port entries; replaces the list ("" clears it)')
    .option("--payees <list>", 'comma-separated 0x addresses; replaces the list ("" clears it)')
    .option("--clear", "remove both lists (no restriction)")
    .option("--reason <text>", "why (kept in the audit log)")
    .action(
      async (
        id: string,
        opts: { hosts?: string; payees?: string; clear?: boolean; reason?: string },
        cmd: Command,
      ) =>
        withDb(async ({ db, actor }) => {
          if (opts.clear && (opts.hosts !== undefined || opts.payees !== undefined)) {
            throw new CliFailure(
              "bad_usage",
              "--clear cannot be combined with --hosts or --payees",
              {},
              EXIT.usage,
            );
          }
          const changing = opts.clear || opts.hosts !== undefined || opts.payees !== undefined;
          let policy: VendorPolicy | null;
          if (changing) {
            policy = await setVendorPolicy(db, {
              agentId: id,
              hosts: opts.clear ? [] : opts.hosts === undefined ? undefined : list(opts.hosts),
              payees: opts.clear ? [] : opts.payees === undefined ? undefined : list(opts.payees),
              actor,
              reason: opts.reason,
            });
          } else {
            policy = await getVendorPolicy(db, id);
            if (!policy) throw new CliFailure("unknown_agent", `no agent named ${id}`, { agentId: id });
          }
          print(
            cmd,
            { agent_id: id, allowed_vendor_hosts: policy.hosts, allowed_payees: policy.payees },
            () => policyText(id, policy),
          );
        }),
    );

  const users = sub(program, "users").description("console users");
  sub(users, "add")
    .description("create a console user")
    .requiredOption("--email <email>", "sign-in email")
    .addOption(new Option("--role <role>", "role").choices([...ROLES]).makeOptionMandatory())
    .option("--name <name>", "display name")
    .option("--password <password>", "at least 12 characters; generated and shown once when omitted")
    .action(async (opts: { email: string; role: string; name?: string; password?: string }, cmd: Command) =>
      withDb(async ({ db, actor }) => {
        const { user, password, generated } = await addUser(db, { ...opts, actor });
        print(
          cmd,
          {
            user: {
              id: user.id,
              email: user.email,
              name: user.name,
              role: user.role,
              created_at: user.createdAt,
            },
            password: generated ? password : null,
          },
          () =>
            `Added ${user.email} (${user.role}).${generated ? `\nPassword (shown once): ${password}` : ""}\n`,
        );
      }),
    );

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
  registerReconcile(program, { sub, print });
  registerAudit(program, { sub, print, io });
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
