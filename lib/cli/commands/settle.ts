import type { Command } from "commander";
import { listOpenTransactions, type OpenTransaction } from "@/lib/payment-core/settlement/open";
import type { Resolution, ResolveReport } from "@/lib/payment-core/settlement/resolver";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { table, usdc6, usdcPrice } from "../format";
import { snakeKeys } from "../json";
import { intOption } from "../options";

const seconds = intOption(0, 86_400, "seconds");

function openJson(o: OpenTransaction) {
  return {
    transaction_id: o.id,
    ...snakeKeys(o, ["agentId", "vendor", "status"]),
    amount: usdc6(o.amountMicro),
    ...snakeKeys(o, [
      "createdAt",
      "ageSeconds",
      "nonce",
      "validBefore",
      "errorCode",
      "stale",
      "expired",
      "unsettled",
      "ownerGone",
    ]),
  };
}

function resolutionJson(r: Resolution) {
  return {
    ...snakeKeys(r, ["transactionId", "agentId", "from", "outcome", "code", "message"]),
    amount: usdc6(r.amountMicro),
    tx_hash: r.txHash ?? null,
    held_until: r.heldUntil ?? null,
  };
}

function why(o: OpenTransaction): string {
  const reasons = [];
  if (o.unsettled) reasons.push(`vendor: ${o.errorCode}`);
  if (o.expired) reasons.push("expired");
  if (o.stale) reasons.push("stale");
  if (o.ownerGone) reasons.push("its process is gone");
  return reasons.join(", ") || "in progress";
}

/**
 * `x402 settle`: the seed's x402_stale_payments.py. Without --auto or --id it lists the open
 * rows; with them it resolves against the chain (capture, release, or with --cancel cancel).
 */
export function registerSettle(program: Command, { sub, print }: CommandKit): Command {
  return mutating(sub(program, "settle"))
    .description(
      "stale and unsettled payments: list them, or resolve them from the chain (--auto, --id); --cancel cancels live authorizations on chain",
    )
    .option("--auto", "resolve every stale, expired or unsettled row, and every row whose process is gone")
    .option("--id <id...>", "resolve these transactions, whatever their age")
    .option("--cancel", "cancel unused authorizations that are still valid (the payer pays gas)")
    .option(
      "--stale-after <seconds>",
      "age that makes a row stale (default X402_STALE_AUTH_TIMEOUT_S)",
      seconds,
    )
    .action(
      async (opts: { auto?: boolean; id?: string[]; cancel?: boolean; staleAfter?: number }, cmd: Command) =>
        withDb(
          async ({ db, env, actor }) => {
            const staleAfterMs = (opts.staleAfter ?? env.settlement.staleAfterMs / 1000) * 1000;
            if (!opts.auto && !opts.id) {
              if (opts.cancel) {
                throw new CliFailure("bad_usage", "--cancel needs --auto or --id", {}, EXIT.usage);
              }
              const open = await listOpenTransactions(db, { staleAfterMs });
              print(cmd, { open: open.map(openJson) }, () =>
                open.length === 0
                  ? "No open payments: every signed authorization is settled or closed.\n"
                  : table(
                      ["TRANSACTION", "AGENT", "STATUS", "AMOUNT", "AGE", "VALID BEFORE", "WHY"],
                      open.map((o) => [
                        o.id,
                        o.agentId,
                        o.status,
                        usdcPrice(o.amountMicro),
                        `${o.ageSeconds}s`,
                        o.validBefore ?? "—",
                        why(o),
                      ]),
                    ) +
                    "\nResolve them: x402 settle --auto (add --cancel to cancel live authorizations on chain)\n",
              );
              return;
            }
            const service = createPaymentService(db, env);
            const report: ResolveReport = await service.resolve({
              ids: opts.id,
              cancel: opts.cancel === true,
              staleAfterMs,
              actor,
            });
            await service.events.flush();
            print(
              cmd,
              {
                scanned: report.scanned,
                counts: report.counts,
                resolutions: report.resolutions.map(resolutionJson),
              },
              () => {
                if (report.scanned === 0) return "Nothing to resolve.\n";
                const c = report.counts;
                return `${table(
                  ["TRANSACTION", "AGENT", "FROM", "OUTCOME", "AMOUNT", "DETAIL"],
                  report.resolutions.map((r) => [
                    r.transactionId,
                    r.agentId,
                    r.from,
                    r.outcome,
                    usdcPrice(r.amountMicro),
                    r.message,
                  ]),
                )}\n${c.captured} captured, ${c.released} released, ${c.cancelled} cancelled, ${c.held} held, ${c.skipped} skipped\n`;
              },
            );
            if (opts.id) {
              const missing = opts.id.filter((id) => !report.resolutions.some((r) => r.transactionId === id));
              if (missing.length) {
                throw new CliFailure("transaction_not_found", `no transaction ${missing.join(", ")}`, {
                  ids: missing,
                });
              }
            }
          },
          opts.auto || opts.id ? { as: { operation: "settlements.resolve", cmd } } : {},
        ),
    );
}
