import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Command, Option } from "commander";
import { amountWords } from "@/lib/payment-core/ledger/amount-words";
import { exportCsv } from "@/lib/payment-core/ledger/csv";
import { importJsonl } from "@/lib/payment-core/ledger/import";
import { exportJsonl, readFileLines } from "@/lib/payment-core/ledger/jsonl";
import {
  getDailyTotal,
  getTransaction,
  type LedgerTransaction,
  listTransactions,
  TRANSACTION_STATUSES,
  type TransactionStatus,
} from "@/lib/payment-core/ledger/read";
import { type RefundState, setRefundState } from "@/lib/payment-core/ledger/refunds";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { formatMoney, table, usdc6 } from "../format";
import { snakeKeys } from "../json";
import { intOption } from "../options";
import { importJson, importText, streamToStdout } from "./ledger-io";
import { registerLedgerShow } from "./ledger-show";

function transactionJson(t: LedgerTransaction) {
  return {
    transaction_id: t.id,
    timestamp: t.createdAt,
    ...snakeKeys(t, ["agentId", "vendor"]),
    price_usdc: usdc6(t.amountMicro),
    scheme: t.scheme,
    // `upto`: the authorized maximum (price_usdc is what was settled once completed).
    max_price_usdc: t.maxAmountMicro === null ? null : usdc6(t.maxAmountMicro),
    status: t.status,
    blockchain_tx_hash: t.txHash,
    error: t.errorMessage,
    ...snakeKeys(t, [
      "errorCode",
      "resourceUrl",
      "method",
      "asset",
      "network",
      "payer",
      "payee",
      "nonce",
      "validAfter",
      "validBefore",
      "latencyMs",
      "retryCount",
      "idempotencyKey",
      "completedAt",
      "updatedAt",
      "unservedCause",
      "refundState",
      "refundNote",
      "refundBy",
      "refundAt",
      "metadata",
    ]),
  };
}

/** The CLI spells the states with a hyphen (`written-off`); the ledger with an underscore. */
const REFUND_CHOICES: Record<string, RefundState> = {
  requested: "requested",
  refunded: "refunded",
  "written-off": "written_off",
};

/** `x402 ledger …`: the guide's ledger reads, the daily total, JSONL import and export. */
export function registerLedger(program: Command, { sub, print }: CommandKit): void {
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
                  ["TRANSACTION", "TIME (UTC)", "AGENT", "VENDOR", "AMOUNT", "STATUS", "ERROR"],
                  page.rows.map((t) => [
                    t.id,
                    t.createdAt.slice(0, 19).replace("T", " "),
                    t.agentId,
                    t.vendor,
                    // A refused or failed row's price is what it asked, never spend.
                    amountWords(t.amountMicro, t.status),
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

  registerLedgerShow(ledger, { sub, print }, transactionJson);

  mutating(sub(ledger, "refund"))
    .description(
      "track the refund of a payment taken but not served: none → requested → refunded or written-off (or none → written-off); audited",
    )
    .argument("<id>", "transaction id (tx_…)")
    .addOption(
      new Option("--state <state>", "the refund's new state")
        .choices(Object.keys(REFUND_CHOICES))
        .makeOptionMandatory(),
    )
    .option("--note <text>", "what was agreed with the vendor (at most 500 characters)")
    .action(async (id: string, opts: { state: string; note?: string }, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const r = await setRefundState(db, {
            id,
            state: REFUND_CHOICES[opts.state] as RefundState,
            note: opts.note,
            actor,
          });
          print(
            cmd,
            {
              transaction_id: r.transactionId,
              refund_state: r.state,
              previous_state: r.previousState,
              note: r.note,
              by: r.by,
              at: r.at,
            },
            () => `Refund of ${r.transactionId}: ${r.previousState} → ${r.state} (by ${r.by})\n`,
          );
        },
        { as: { operation: "ledger.refund", cmd } },
      ),
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
            `Total spend on ${total.day} (UTC): ${formatMoney(total.totalMicro)} in ${total.count} completed payments\n`,
        );
      }),
    );

  mutating(sub(ledger, "import"))
    .description(
      "import the operations guide's transactions.jsonl: all or nothing (unless --skip-invalid); lines of agents that do not exist refuse the file unless --allow-unknown-agents",
    )
    .argument("<file>", "path to a JSONL file")
    .option("--skip-invalid", "import the valid lines and list the invalid ones")
    .option(
      "--allow-unknown-agents",
      "import lines whose agent_id is not a known agent (their completed spend counts against no budget)",
    )
    .action(
      async (file: string, opts: { skipInvalid?: boolean; allowUnknownAgents?: boolean }, cmd: Command) => {
        await readFile(file).catch((error: NodeJS.ErrnoException) => {
          throw new CliFailure(
            "file_not_found",
            `cannot read ${file}: ${error.code ?? error.message}`,
            { file },
            EXIT.usage,
          );
        });
        await withDb(
          async ({ db, actor }) => {
            const report = await importJsonl(db, readFileLines(file, { strictUtf8: true }), {
              skipInvalid: opts.skipInvalid,
              allowUnknownAgents: opts.allowUnknownAgents,
              actor,
              source: path.basename(file),
            });
            print(cmd, importJson(file, report), () => importText(report));
            if (report.committed) return;
            const code = report.invalid.length > 0 ? "invalid_lines" : "unknown_agents";
            const message =
              code === "invalid_lines" ? "the file has invalid lines" : "the file names unknown agents";
            throw new CliFailure(code, message, {}, EXIT.failed, true);
          },
          { as: { operation: "ledger.import", cmd } },
        );
      },
    );

  sub(ledger, "export")
    .description(
      "stream the ledger, oldest first, in the operations guide's JSONL format (or CSV, with the same field names)",
    )
    .option("--out <file>", "write to this file instead of standard output")
    .option("--agent <id>", "only this agent")
    .option("--date <YYYY-MM-DD>", "only this UTC day")
    .addOption(new Option("--format <format>", "file format").choices(["jsonl", "csv"]).default("jsonl"))
    .action(
      async (opts: { out?: string; agent?: string; date?: string; format: "jsonl" | "csv" }, cmd: Command) =>
        withDb(async ({ db }) => {
          const filter = { agentId: opts.agent, date: opts.date };
          const lines = opts.format === "csv" ? exportCsv(db, filter) : exportJsonl(db, filter);
          let count = opts.format === "csv" ? -1 : 0; // the header is not a transaction
          if (!opts.out) {
            await streamToStdout(lines);
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
}
