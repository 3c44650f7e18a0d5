import { type Command, InvalidArgumentError } from "commander";
import { env } from "@/lib/env";
import {
  DISCREPANCY_KINDS,
  type Discrepancy,
  type ReconciliationReport,
  reconcile,
  reconcileDepsFor,
} from "@/lib/payment-core/reconciliation";
import { classifyError } from "@/lib/payment-core/support/errors";
import { InvalidDateError, parseUtcDay } from "@/lib/payment-core/support/time";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { table, usdc6, usdcPrice } from "../format";
import { snakeKeys } from "../json";
import { intOption } from "../options";

function dayOption(name: string) {
  return (value: string): Date => {
    try {
      return parseUtcDay(value).start;
    } catch (error) {
      throw new InvalidArgumentError(
        error instanceof InvalidDateError ? error.message : `${name}: expected YYYY-MM-DD`,
      );
    }
  };
}

const percentOption = intOption(0, 100);

const optionalUsdc = (micro: bigint | undefined) => (micro === undefined ? null : usdc6(micro));

function discrepancyJson(d: Discrepancy) {
  return {
    ...snakeKeys(d, ["kind", "transactionId", "txHash", "nonce"]),
    ledger_amount_usdc: optionalUsdc(d.ledgerAmountMicro),
    chain_amount_usdc: optionalUsdc(d.chainAmountMicro),
    ...(d.kind === "party_mismatch" || d.kind === "orphan_onchain"
      ? {
          ledger_payer: d.ledgerPayer ?? null,
          ledger_payee: d.ledgerPayee ?? null,
          chain_from: d.chainFrom ?? null,
          chain_to: d.chainTo ?? null,
        }
      : {}),
    detail: d.detail,
  };
}

export function reportJson(r: ReconciliationReport) {
  return {
    ...snakeKeys(r, [
      "status",
      "generatedAt",
      "dryRun",
      "network",
      "payer",
      "usdcAddress",
      "tolerancePct",
      "range",
    ]),
    chain: {
      from_block: r.chain.fromBlock.toString(),
      to_block: r.chain.toBlock.toString(),
      transfers: r.chain.transfers,
    },
    counts: r.counts,
    checked: snakeKeys(r.checked, ["transactions", "demoSkipped", "otherNetworkSkipped"]),
    discrepancies: r.discrepancies.map(discrepancyJson),
    ...snakeKeys(r, ["reportId"]),
    report_file: r.file,
  };
}

function human(r: ReconciliationReport): string {
  const lines = [
    `Reconciliation ${r.status.toUpperCase()}: ${r.discrepancies.length} discrepanc${r.discrepancies.length === 1 ? "y" : "ies"}`,
    `Range (UTC, end exclusive): ${r.range.from ?? "the beginning"} to ${r.range.to ?? "now"}; network ${r.network}, payer ${r.payer}`,
    `Checked ${r.checked.transactions} ledger transactions (${r.checked.demoSkipped} demo rows skipped${r.checked.otherNetworkSkipped ? `, ${r.checked.otherNetworkSkipped} of other networks` : ""}) against ${r.chain.transfers} on-chain transfers in blocks ${r.chain.fromBlock}-${r.chain.toBlock}; amount tolerance ${r.tolerancePct}%.`,
    "",
  ];
  let out = `${lines.join("\n")}${table(
    ["KIND", "COUNT"],
    DISCREPANCY_KINDS.map((k) => [k, r.counts[k]]),
  )}`;
  if (r.discrepancies.length > 0) {
    out += `\n${table(
      ["KIND", "TRANSACTION", "LEDGER USDC", "CHAIN USDC", "DETAIL"],
      r.discrepancies.map((d) => [
        d.kind,
        d.transactionId ?? "(none)",
        d.ledgerAmountMicro === undefined ? "" : usdcPrice(d.ledgerAmountMicro),
        d.chainAmountMicro === undefined ? "" : usdcPrice(d.chainAmountMicro),
        d.detail,
      ]),
    )}`;
  }
  out += r.file
    ? `\nReport saved to ${r.file} (id ${r.reportId}).\n`
    : "\nDry run: no report file or database row was written.\n";
  return out;
}

/** `x402 reconcile`: the ledger against the chain; exit 0 on PASS, 1 on FAIL or error, 2 on bad usage. */
export function registerReconcile(program: Command, { sub, print }: CommandKit): Command {
  return mutating(sub(program, "reconcile"))
    .description("check the ledger against USDC transfers on chain; saves a report unless --dry-run")
    .option("--from <YYYY-MM-DD>", "from the start of this UTC day", dayOption("--from"))
    .option("--to <YYYY-MM-DD>", "up to the start of this UTC day (exclusive)", dayOption("--to"))
    .option("--dry-run", "report only: write no file and no database row")
    .option(
      "--tolerance-pct <n>",
      "allowed amount difference, % of the ledger amount (default X402_RECON_AMOUNT_TOLERANCE_PCT or 5)",
      percentOption,
    )
    .action(
      async (opts: { from?: Date; to?: Date; dryRun?: boolean; tolerancePct?: number }, cmd: Command) => {
        if (opts.from && opts.to && opts.from >= opts.to) {
          throw new CliFailure("bad_usage", "--from must be before --to (--to is exclusive)", {}, EXIT.usage);
        }
        const payments = env().payments;
        if (!payments.usdcAddress) {
          throw new CliFailure(
            "payer_not_configured",
            "set X402_USDC_ADDRESS and X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) to reconcile",
            {},
            EXIT.usage,
          );
        }
        await withDb(
          async ({ db, env: config, actor }) => {
            // The payer now: the active payer wallet after a rotation, else this shell's payer.
            const deps = await reconcileDepsFor(db, payments).catch((error: unknown) => {
              const known = classifyError(error);
              if (known?.code !== "payer_not_configured") throw error;
              throw new CliFailure(known.code, known.message, {}, EXIT.usage);
            });
            const report = await reconcile(deps, {
              from: opts.from,
              to: opts.to,
              dryRun: opts.dryRun === true,
              tolerancePct: opts.tolerancePct ?? config.reconAmountTolerancePct,
              actor,
            });
            // The chain shows these paid although the ledger says otherwise: a real run captures
            // them at once (the report keeps what was found); a dry run only names them.
            const settled = report.discrepancies
              .filter((d) => d.kind === "settled_but_failed" && d.transactionId)
              .map((d) => d.transactionId as string);
            const captured =
              settled.length > 0 && !report.dryRun
                ? await createPaymentService(db, config).resolve({ ids: settled, actor })
                : null;
            print(
              cmd,
              {
                ...reportJson(report),
                ...(captured
                  ? {
                      captured: captured.resolutions.map((r) => ({
                        transaction_id: r.transactionId,
                        outcome: r.outcome,
                        message: r.message,
                      })),
                    }
                  : {}),
              },
              () =>
                human(report) +
                (captured
                  ? `Captured from the chain: ${captured.resolutions.map((r) => `${r.transactionId} ${r.outcome}`).join(", ")}\n`
                  : settled.length > 0
                    ? `Capture them: x402 settle --id ${settled.join(" ")}\n`
                    : ""),
            );
            if (report.status === "fail") {
              throw new CliFailure(
                "reconciliation_failed",
                `${report.discrepancies.length} discrepancies`,
                {},
                EXIT.failed,
                true,
              );
            }
          },
          opts.dryRun ? {} : { as: { operation: "reconciliation.run", cmd } },
        );
      },
    );
}
