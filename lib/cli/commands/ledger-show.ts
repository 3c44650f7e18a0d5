import type { Command } from "commander";
import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import { amountWords } from "@/lib/payment-core/ledger/amount-words";
import { getStoredResponse } from "@/lib/payment-core/ledger/responses";
import {
  type ChainReceipt,
  getTroubleshooting,
  readChainReceipt,
  type Troubleshooting,
} from "@/lib/payment-core/ledger/troubleshoot";
import { formatDollars, formatMoney, usdc6 } from "@/lib/payment-core/support/money";
import { walletClient } from "@/lib/payment-core/treasury/wallet";
import { type ChainRead, readWalletView, type WalletView } from "@/lib/payment-core/treasury/wallet-view";
import { getUsdcBalance } from "@/lib/payment-core/x402/usdc";
import { CliFailure, type CommandKit, withDb } from "../context";
import { resolveWalletTarget } from "../wallet-target";

/**
 * `x402 ledger show ID`: the operations guide's troubleshooting steps 1-4 in one answer, as the
 * transaction page shows them: the row and what to do next, the agent's budget when it paid and
 * now, the wallet balance now, the chain receipt, the resolver's history and the row's log lines.
 * The chain reads are bounded (3 s) and say "unavailable" rather than fail the command.
 */

type Ctx = { db: Database; env: AppEnv };

async function readWallet({ db, env }: Ctx): Promise<WalletView> {
  return readWalletView(
    async () => {
      const t = await resolveWalletTarget(db, env);
      const balanceMicro = await getUsdcBalance(walletClient(t.rpcUrl), t.usdc, t.address);
      return { address: t.address, balanceMicro, network: t.network };
    },
    { lowBalanceMicro: env.alerts.lowBalanceMicro },
  );
}

async function readReceipt(
  { db, env }: Ctx,
  tx: { txHash: string | null; network: string | null },
): Promise<ChainRead<ChainReceipt> | null> {
  if (!tx.txHash) return null;
  const target = await resolveWalletTarget(db, env).catch(() => null);
  const network = target?.network ?? env.payments.network;
  if (tx.network !== null && tx.network !== network) {
    // Another chain's hash (imported history): this RPC cannot say anything about it.
    return {
      ok: false,
      code: "chain_unavailable",
      reason: `the payment is on ${tx.network}; the console reads ${network}`,
    };
  }
  return readChainReceipt(walletClient(target?.rpcUrl ?? env.payments.rpcUrl), tx.txHash);
}

const window = (w: Troubleshooting["budgetAtPayment"]["day"]) => ({
  start: w.start,
  spent_before_usdc: usdc6(w.spentBeforeMicro),
  payments_before: w.payments,
  limit_usdc: usdc6(w.limitMicro),
});

/** The vendor's answer to the paid request as stored (ledger/responses.ts), or null. */
type StoredAnswer = Awaited<ReturnType<typeof getStoredResponse>>;

export function troubleshootingJson(
  t: Troubleshooting,
  wallet: WalletView,
  receipt: ChainRead<ChainReceipt> | null,
  transaction: unknown,
  answer: StoredAnswer = null,
) {
  const now = t.budgetNow;
  const nowWindow = (w: NonNullable<typeof now>["daily"]) => ({
    start: w.start,
    spent_usdc: usdc6(w.spentMicro),
    reserved_usdc: usdc6(w.reservedMicro),
    limit_usdc: usdc6(w.limitMicro),
    remaining_usdc: usdc6(w.remainingMicro),
    utilization_pct: w.utilizationPct,
  });
  return {
    transaction,
    amount_text: amountWords(t.transaction.amountMicro, t.transaction.status),
    next_step: t.next,
    budget_at_payment: {
      day: window(t.budgetAtPayment.day),
      month: window(t.budgetAtPayment.month),
      per_transaction_max_usdc: usdc6(t.budgetAtPayment.perTransactionMaxMicro),
      limits_from: t.budgetAtPayment.limitsFrom,
    },
    budget_now: now
      ? {
          status: t.statusNow?.state ?? null,
          status_text: t.statusNow?.label ?? null,
          day: nowWindow(now.daily),
          month: nowWindow(now.monthly),
          per_transaction_max_usdc: usdc6(now.perTransactionMax.limitMicro),
        }
      : null,
    wallet: wallet.available
      ? {
          available: true,
          address: wallet.address,
          network: wallet.network,
          balance_usdc: usdc6(BigInt(wallet.balanceMicro)),
          low: wallet.low,
          read_at: wallet.readAt,
        }
      : { available: false, code: wallet.code, reason: wallet.reason },
    chain_receipt:
      receipt === null
        ? null
        : receipt.ok
          ? {
              available: true,
              block_number: receipt.value.blockNumber,
              confirmations: receipt.value.confirmations,
              status: receipt.value.status,
            }
          : { available: false, code: receipt.code, reason: receipt.reason },
    vendor_answer: answer
      ? { status: answer.status, bytes: answer.bytes, stored_at: answer.storedAt, response: answer.response }
      : null,
    resolver_history: t.history,
    events: t.events,
  };
}

function fieldsText(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([k]) => k !== "event")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

export function troubleshootingText(
  t: Troubleshooting,
  wallet: WalletView,
  receipt: ChainRead<ChainReceipt> | null,
  answer: StoredAnswer = null,
): string {
  const tx = t.transaction;
  const b = t.budgetAtPayment;
  const lines = [
    `${tx.id} · ${tx.status}${tx.errorCode ? ` (${tx.errorCode})` : ""} · ${amountWords(tx.amountMicro, tx.status)}`,
    `Agent ${tx.agentId} · vendor ${tx.vendor || "—"} · ${tx.createdAt}`,
  ];
  if (tx.errorMessage) lines.push(`Error: ${tx.errorMessage}`);
  lines.push(`Next step: ${t.next.text}`, "");
  lines.push(
    `Budget when it paid (${b.limitsFrom === "history" ? "limits then, from the audit log" : "limits are today's: none changed since"}):`,
    `  day ${b.day.start}: ${formatMoney(b.day.spentBeforeMicro)} spent before it (${b.day.payments} payments) of ${formatMoney(b.day.limitMicro)}`,
    `  month ${b.month.start}: ${formatMoney(b.month.spentBeforeMicro)} spent before it (${b.month.payments} payments) of ${formatMoney(b.month.limitMicro)}`,
    `  per-transaction max: ${formatDollars(b.perTransactionMaxMicro)}`,
  );
  const now = t.budgetNow;
  if (now) {
    const used = (w: typeof now.daily) => formatMoney(w.spentMicro + w.reservedMicro);
    lines.push(
      `Budget now: ${t.statusNow?.label ?? "—"}`,
      `  today: ${used(now.daily)} of ${formatMoney(now.daily.limitMicro)} (${now.daily.utilizationPct}%)`,
      `  this month: ${used(now.monthly)} of ${formatMoney(now.monthly.limitMicro)} (${now.monthly.utilizationPct}%)`,
    );
  } else {
    lines.push("Budget now: the agent no longer exists");
  }
  lines.push(
    wallet.available
      ? `Wallet now: ${formatMoney(BigInt(wallet.balanceMicro))} USDC at ${wallet.address} (${wallet.network})${wallet.low ? " · low" : ""}`
      : `Wallet now: unavailable (${wallet.code}: ${wallet.reason})`,
  );
  if (!tx.txHash) lines.push("Chain receipt: no transaction hash (nothing settled on chain)");
  else if (receipt?.ok) {
    lines.push(
      `Chain receipt: ${tx.txHash} · block ${receipt.value.blockNumber} · ${receipt.value.confirmations} confirmations · ${receipt.value.status}`,
    );
  } else {
    lines.push(`Chain receipt: ${tx.txHash} · unavailable (${receipt?.reason ?? "not read"})`);
  }
  lines.push(
    answer
      ? `Vendor's answer: HTTP ${answer.status} · ${answer.bytes} bytes stored ${answer.storedAt} (--json prints it)`
      : "Vendor's answer: none stored",
  );
  lines.push("", "Resolver history:");
  if (t.history.length === 0) lines.push("  none");
  for (const h of t.history)
    lines.push(`  ${h.at} ${h.action} by ${h.actor}${h.reason ? `: ${h.reason}` : ""}`);
  lines.push("Log lines:");
  if (t.events.length === 0) lines.push("  none stored");
  for (const e of t.events) {
    lines.push(
      `  ${e.at} ${e.level.toUpperCase()} ${e.event}: ${e.message} ${fieldsText(e.fields)}`.trimEnd(),
    );
  }
  return `${lines.join("\n")}\n`;
}

export function registerLedgerShow(
  ledger: Command,
  { sub, print }: CommandKit,
  transactionJson: (t: Troubleshooting["transaction"]) => unknown,
): void {
  sub(ledger, "show")
    .description(
      "troubleshoot one payment: status and what to do next, the agent's budget then and now, the wallet balance, the chain receipt, the resolver's history and its log lines",
    )
    .argument("<id>", "transaction id (tx_…)")
    .action(async (id: string, _opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const t = await getTroubleshooting(db, env.budget, id);
        if (!t) throw new CliFailure("transaction_not_found", `no transaction ${id}`, { transaction_id: id });
        const [wallet, receipt, answer] = await Promise.all([
          readWallet({ db, env }),
          readReceipt({ db, env }, t.transaction),
          getStoredResponse(db, id),
        ]);
        print(cmd, troubleshootingJson(t, wallet, receipt, transactionJson(t.transaction), answer), () =>
          troubleshootingText(t, wallet, receipt, answer),
        );
      }),
    );
}
