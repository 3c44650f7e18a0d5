import { formatEther } from "viem";
import type { PayerGas } from "../settlement/cancel-gas";
import { formatDollars, formatMoney, type Micro } from "../support/money";
import type { AlertFigures, AlertMessage, AlertSeverity } from "./types";

/**
 * The texts people read, in Discord and in the console. The wallet, failure-rate and budget
 * texts are the operations guide's ("Interpreting Discord Alerts") word for word; money goes
 * through money.ts and every percentage is computed from integers.
 */

/** `num / den` as a percentage with one decimal, rounded half up, in integers: 5 of 59 → "8.5". */
export function pctTenths(num: bigint | number, den: bigint | number): string {
  const n = BigInt(num);
  const d = BigInt(den);
  if (d <= 0n) return "0.0";
  const tenths = (n * 2000n + d) / (2n * d);
  return `${tenths / 10n}.${tenths % 10n}`;
}

/** Whole percent, truncated: 95.9% → 95. */
export function wholePct(used: Micro, limit: Micro): number {
  if (limit <= 0n) return used > 0n ? 100 : 0;
  return Number((used * 100n) / limit);
}

/** "$95" for whole dollars, "$95.50" (cents, rounded) otherwise: the guide's "($95/$100)". */
export function shortDollars(micro: Micro): string {
  return micro % 1_000_000n === 0n ? `$${micro / 1_000_000n}` : formatMoney(micro);
}

export function walletLowMessage(balanceMicro: Micro, thresholdMicro: Micro): AlertMessage {
  return {
    code: "wallet_low",
    severity: "critical",
    title: "⚠️ Payment Wallet Balance Low",
    lines: [
      `Current: ${formatMoney(balanceMicro)}`,
      `Threshold: ${formatMoney(thresholdMicro)}`,
      "Action: Fund wallet immediately",
    ],
    figures: { balanceMicro: balanceMicro.toString(), thresholdMicro: thresholdMicro.toString() },
  };
}

/**
 * The payer's ETH cannot pay for the minimum of on-chain cancels (cancelAuthorization): auto-cancel
 * and the kill switch's "cancel outstanding" would fail with no_gas. Wei as decimal strings.
 */
export function payerLowGasMessage(
  gas: PayerGas,
  cancelsFunded: bigint,
  minCancelsFunded: number,
): AlertMessage {
  return {
    code: "payer_low_gas",
    severity: "critical",
    title: "⛽ Payer Gas Low: On-Chain Cancels At Risk",
    lines: [
      `Balance: ${formatEther(gas.balanceWei)} ETH (${gas.balanceWei} wei) on ${gas.address}`,
      `Per cancel: ${formatEther(gas.perCancelWei)} ETH (${gas.cancelGas} gas at ${gas.maxFeePerGasWei} wei)`,
      `Cancels funded: ${cancelsFunded} (minimum: ${minCancelsFunded})`,
      "Action: Send ETH to the payer wallet; until then auto-cancel and the kill switch's cancel fail",
    ],
    figures: {
      address: gas.address,
      balanceWei: gas.balanceWei.toString(),
      balanceEth: formatEther(gas.balanceWei),
      cancelGas: gas.cancelGas.toString(),
      maxFeePerGasWei: gas.maxFeePerGasWei.toString(),
      perCancelWei: gas.perCancelWei.toString(),
      perCancelEth: formatEther(gas.perCancelWei),
      cancelsFunded: Number(cancelsFunded),
      minCancelsFunded,
    },
  };
}

export function failureRateMessage(input: {
  failed: number;
  total: number;
  thresholdPct: number;
  windowMinutes: number;
}): AlertMessage {
  return {
    code: "failure_rate",
    severity: "critical",
    title: "❌ Payment Failure Rate High",
    lines: [
      `Current: ${pctTenths(input.failed, input.total)}% (threshold: ${input.thresholdPct}%)`,
      `Failed: ${input.failed} payments in last ${input.windowMinutes} minutes`,
      "Action: Check logs and service status",
    ],
    figures: {
      failed: input.failed,
      total: input.total,
      ratePct: pctTenths(input.failed, input.total),
      thresholdPct: input.thresholdPct,
      windowMinutes: input.windowMinutes,
    },
  };
}

export function budgetMessage(input: {
  code: "budget_exhausted" | "budget_threshold";
  severity: AlertSeverity;
  agentId: string;
  period: "daily" | "monthly";
  usedMicro: Micro;
  limitMicro: Micro;
  remainingMicro: Micro;
  thresholdPct: number | null;
}): AlertMessage {
  const used = wholePct(input.usedMicro, input.limitMicro);
  return {
    code: input.code,
    severity: input.severity,
    title: "💰 Agent Budget Alert",
    lines: [
      `Agent: ${input.agentId}`,
      `Used: ${used}% of ${input.period} budget (${shortDollars(input.usedMicro)}/${shortDollars(input.limitMicro)})`,
      `Remaining: ${formatMoney(input.remainingMicro)}`,
    ],
    figures: {
      agentId: input.agentId,
      period: input.period,
      usedMicro: input.usedMicro.toString(),
      limitMicro: input.limitMicro.toString(),
      remainingMicro: input.remainingMicro.toString(),
      usedPct: used,
      thresholdPct: input.thresholdPct,
    },
  };
}

export function vendorStreakMessage(input: {
  vendor: string;
  streak: number;
  threshold: number;
  severity: AlertSeverity;
  lastError: string | null;
}): AlertMessage {
  const critical = input.severity === "critical";
  return {
    code: critical ? "vendor_failing" : "vendor_streak",
    severity: input.severity,
    title: critical ? "🚫 Vendor Failing" : "⚠️ Vendor Failure Streak",
    lines: [
      `Vendor: ${input.vendor}`,
      `Failures: ${input.streak} in a row (threshold: ${input.threshold})`,
      ...(input.lastError ? [`Last error: ${input.lastError}`] : []),
      critical
        ? "Action: Check the vendor's status; pause the agents that depend on it"
        : "Action: Watch the vendor",
    ],
    figures: {
      vendor: input.vendor,
      streak: input.streak,
      threshold: input.threshold,
      lastError: input.lastError,
    },
  };
}

export function retryRateMessage(input: {
  retried: number;
  total: number;
  thresholdPct: number;
}): AlertMessage {
  return {
    code: "retry_rate",
    severity: "warning",
    title: "🔁 Payment Retry Rate High",
    lines: [
      `Current: ${pctTenths(input.retried, input.total)}% (threshold: ${input.thresholdPct}%)`,
      `Retried: ${input.retried} of ${input.total} payments in last 24 hours`,
      "Action: Check vendor latency and network errors",
    ],
    figures: {
      retried: input.retried,
      total: input.total,
      ratePct: pctTenths(input.retried, input.total),
      thresholdPct: input.thresholdPct,
    },
  };
}

export function anomalyMessage(kind: string, text: string, figures: AlertMessage["figures"]): AlertMessage {
  return {
    code: `spending_${kind}`,
    severity: "warning",
    title: "📈 Unusual Spending",
    lines: [text],
    figures,
  };
}

/** A USDC transfer out of the payer wallet that no ledger row explains (reconciliation's orphan_onchain). */
export function unexplainedTransferMessage(input: {
  amountMicro: Micro;
  to: string;
  txHash: string;
  reportId: string;
}): AlertMessage {
  return {
    code: "unexplained_transfer",
    severity: "critical",
    title: "🚨 Unexplained Transfer From Payment Wallet",
    lines: [
      `Amount: ${formatDollars(input.amountMicro)}`,
      `To: ${input.to}`,
      `Transaction: ${input.txHash}`,
      `Found by: reconciliation report ${input.reportId}`,
      "Action: Stop all payments (kill switch) and check who holds the wallet key",
    ],
    figures: {
      amountMicro: input.amountMicro.toString(),
      to: input.to,
      txHash: input.txHash,
      reportId: input.reportId,
    },
  };
}

const DISCORD_DESCRIPTION_MAX = 4000;

/** The audit log's head as the digest publishes it: `seq:hash`, and how to check it later. */
function headLines(head: { seq: number; hash: string } | null): string[] {
  if (!head) return [];
  const anchor = `${head.seq}:${head.hash}`;
  return [
    `Audit log head: ${anchor}`,
    `(keep it: \`x402 audit-log verify --anchor ${anchor}\` proves the log was not rewritten)`,
  ];
}

/**
 * The day's warnings as one message; each alert is one line. With `head`, the audit log's head
 * goes out too (also alone, as `audit_head`, on a day without warnings).
 */
export function digestMessage(
  day: string,
  alerts: { message: string; resolved: boolean }[],
  head: { seq: number; hash: string } | null = null,
): AlertMessage {
  const lines = alerts.map((a) => {
    const [title = "", ...rest] = a.message.split("\n");
    return `• ${title}: ${rest.join("; ")}${a.resolved ? " (resolved)" : ""}`;
  });
  const figures = (extra: Record<string, number>): AlertFigures =>
    head ? { day, ...extra, auditHead: `${head.seq}:${head.hash}` } : { day, ...extra };
  if (alerts.length === 0) {
    return {
      code: "audit_head",
      severity: "info",
      title: `🔗 Audit log head (${day} UTC)`,
      lines: headLines(head),
      figures: figures({}),
    };
  }
  return {
    code: "daily_digest",
    severity: "warning",
    title: `📋 Daily Alert Digest (${day} UTC)`,
    lines: [`${alerts.length} warning${alerts.length === 1 ? "" : "s"}:`, ...lines, ...headLines(head)],
    figures: figures({ warnings: alerts.length }),
  };
}

/** The message as stored on an alert row and shown in the console: the title, then each line. */
export function messageText(message: AlertMessage): string {
  return [message.title, ...message.lines].join("\n");
}

const COLORS: Record<AlertSeverity, number> = { critical: 0xe74c3c, warning: 0xf1c40f, info: 0x3498db };

/** Discord's incoming-webhook body: one embed; mentions off, since vendor names come from outside. */
export function discordBody(message: AlertMessage): unknown {
  let description = message.lines.join("\n");
  if (description.length > DISCORD_DESCRIPTION_MAX)
    description = `${description.slice(0, DISCORD_DESCRIPTION_MAX)}…`;
  return {
    allowed_mentions: { parse: [] },
    embeds: [{ title: message.title.slice(0, 256), description, color: COLORS[message.severity] }],
  };
}

/** The generic JSON webhook's body: the code and the figures for machines, the text for people. */
export function webhookBody(message: AlertMessage): unknown {
  return {
    code: message.code,
    severity: message.severity,
    alertId: message.alertId ?? null,
    title: message.title,
    text: messageText(message),
    figures: message.figures,
  };
}
