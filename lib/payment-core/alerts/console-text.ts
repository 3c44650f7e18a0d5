import { formatEth, formatMoney } from "../support/money";
import type { AlertFigures } from "./types";

/**
 * An alert as the console shows it, apart from the text sent to Discord (messages.ts builds that
 * one and the alert row stores it as sent): no emoji, sentence case, money in cents ("$12.00 of
 * $12.00", not "$12/$12"), gas in ETH with six places. Built from the alert's figures where its
 * kind has them; any other alert is its stored text without emoji and with whole dollars in cents.
 */
export interface ConsoleAlertText {
  title: string;
  lines: string[];
}

type Renderer = (f: AlertFigures) => ConsoleAlertText | null;

const text = (f: AlertFigures, key: string): string | null => {
  const v = f[key];
  return typeof v === "string" || typeof v === "number" ? String(v) : null;
};
const micro = (f: AlertFigures, key: string): bigint | null => {
  const v = text(f, key);
  return v !== null && /^-?\d+$/.test(v) ? BigInt(v) : null;
};

const budget: Renderer = (f) => {
  const used = micro(f, "usedMicro");
  const limit = micro(f, "limitMicro");
  const remaining = micro(f, "remainingMicro");
  const period = text(f, "period");
  const pct = text(f, "usedPct");
  if (used === null || limit === null || remaining === null || !period || pct === null) return null;
  return {
    title:
      used >= limit
        ? `Agent budget: ${period} limit reached`
        : `Agent budget: ${pct}% of the ${period} limit`,
    lines: [
      `Used ${pct}% of the ${period} budget: ${formatMoney(used)} of ${formatMoney(limit)}`,
      `Remaining: ${formatMoney(remaining)}`,
    ],
  };
};

const RENDERERS: Record<string, Renderer> = {
  budget_exhausted: budget,
  budget_threshold: budget,
  wallet_low: (f) => {
    const balance = micro(f, "balanceMicro");
    const threshold = micro(f, "thresholdMicro");
    if (balance === null || threshold === null) return null;
    return {
      title: "Payment wallet balance low",
      lines: [
        `Balance: ${formatMoney(balance)}, below the ${formatMoney(threshold)} threshold`,
        "Fund the wallet now",
      ],
    };
  },
  payer_low_gas: (f) => {
    const balance = micro(f, "balanceWei");
    const perCancel = micro(f, "perCancelWei");
    const funded = text(f, "cancelsFunded");
    const minimum = text(f, "minCancelsFunded");
    if (balance === null || perCancel === null || funded === null || minimum === null) return null;
    const address = text(f, "address");
    return {
      title: "Payer gas low: on-chain cancels at risk",
      lines: [
        `Balance: ${formatEth(balance)} ETH${address ? ` on ${address}` : ""}`,
        `Per cancel: ${formatEth(perCancel)} ETH; cancels funded: ${funded} (minimum ${minimum})`,
        "Send ETH to the payer wallet; until then auto-cancel and the kill switch's cancel fail",
      ],
    };
  },
};

/** Emoji, their variation selectors, joiners and keycaps. */
const EMOJI = /\p{Extended_Pictographic}|\u{FE0F}|\u{200D}|\u{20E3}/gu;

/** Discord's text made the console's: no emoji, "$12/$12" → "$12.00 of $12.00", "$95" → "$95.00". */
export function consoleLine(line: string): string {
  return line
    .replace(EMOJI, "")
    .replace(/\$(\d[\d,]*(?:\.\d+)?)\/\$(\d[\d,]*(?:\.\d+)?)/g, "$$$1 of $$$2")
    .replace(/\$(\d[\d,]*)(?![\d.,]*\d)(?!\.\d)/g, "$$$1.00")
    .replace(/\s{2,}/g, " ")
    .trim();
}

export function consoleAlertText(alert: {
  kind: string;
  message: string;
  figures: AlertFigures;
}): ConsoleAlertText {
  const rendered = RENDERERS[alert.kind]?.(alert.figures ?? {});
  if (rendered) return rendered;
  const [title = "", ...lines] = alert.message.split("\n");
  return { title: consoleLine(title), lines: lines.map(consoleLine).filter(Boolean) };
}
