import { formatMoney, type Micro } from "../support/money";
import type { RateRunway, Runway } from "./runway";

/**
 * The runway in words, one way for every place that prints it (the CLI's `x402 wallet`, the
 * console's Treasury page): from the integers, no float on the way.
 */

/** 1234567n → "1,234,567". */
export function groupDigits(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "24 h" or "7 days". */
export function windowName(windowHours: number): string {
  return windowHours % 24 === 0 && windowHours > 24 ? `${windowHours / 24} days` : `${windowHours} h`;
}

/** "125 h (5 days)", "5 h (under a day)", or the unbounded case. */
export function hoursLeftText(rate: Pick<RateRunway, "hoursLeft" | "daysLeft" | "windowHours">): string {
  if (rate.hoursLeft === null || rate.daysLeft === null) {
    return `unbounded: no spend in the last ${windowName(rate.windowHours)}`;
  }
  const days =
    rate.daysLeft === 0n
      ? "under a day"
      : `${groupDigits(rate.daysLeft)} day${rate.daysLeft === 1n ? "" : "s"}`;
  return `${groupDigits(rate.hoursLeft)} h (${days})`;
}

/** The UTC minute of an instant: "2026-03-14 16:00 UTC". */
export function utcMinute(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Where the balance stands against the low-balance line at this rate. */
export function lowLineText(rate: Pick<RateRunway, "lowLine" | "lowLineAt">, lowBalanceMicro: Micro): string {
  const line = `the ${formatMoney(lowBalanceMicro)} low-balance line`;
  switch (rate.lowLine) {
    case "crosses":
      return `crosses ${line} at ${rate.lowLineAt ? utcMinute(rate.lowLineAt) : "an unknown time"}`;
    case "below":
      return `already below ${line}`;
    case "open_payments":
      return `open payments take it below ${line} when they settle`;
    case "no_spend":
      return `never crosses ${line} at this rate`;
    case "beyond":
      return `crosses ${line} after the year 9999`;
  }
}

/** One line per rate: "Last 24 h: spent $66.00 ($2.75/h); runway 153 h (6 days); crosses … at …". */
export function runwayLines(runway: Runway): string[] {
  return [runway.day, runway.week].map((rate) => {
    return `Last ${windowName(rate.windowHours)}: spent ${formatMoney(rate.spentMicro)} (${formatMoney(rate.perHourMicro)}/h); runway ${hoursLeftText(rate)}; ${lowLineText(rate, runway.lowBalanceMicro)}`;
  });
}

/** Whole hours as days with one decimal, rounded down: 76 h → "3.1 days", 24 h → "1.0 day". */
export function daysOneDecimal(hours: bigint): string {
  const tenths = (hours * 10n) / 24n;
  return `${groupDigits(tenths / 10n)}.${tenths % 10n} day${tenths === 10n ? "" : "s"}`;
}

/**
 * One line for `x402 wallet balance`, as the overview's wallet card says it: the runway at the
 * last 24 hours' rate ("Runway: 3.2 days at $2.66/h over the last 24 h"), else at the last 7 days'
 * when the day had no spend, else unbounded.
 */
export function runwaySummary(
  runway: Pick<Runway, "day" | "week" | "belowLowLine" | "lowBalanceMicro">,
): string {
  const rate = runway.day.hoursLeft !== null ? runway.day : runway.week;
  const low = runway.belowLowLine
    ? ` (already below the ${formatMoney(runway.lowBalanceMicro)} low-balance line)`
    : "";
  if (rate.hoursLeft === null) {
    return `Runway: unbounded: no spend in the last ${windowName(runway.week.windowHours)}${low}`;
  }
  return `Runway: ${daysOneDecimal(rate.hoursLeft)} at ${formatMoney(rate.perHourMicro)}/h over the last ${windowName(rate.windowHours)}${low}`;
}
