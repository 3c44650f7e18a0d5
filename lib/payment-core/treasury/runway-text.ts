import { formatDollars, type Micro } from "../support/money";
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
  const line = `the ${formatDollars(lowBalanceMicro)} low-balance line`;
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
    return `Last ${windowName(rate.windowHours)}: spent ${formatDollars(rate.spentMicro)} (${formatDollars(rate.perHourMicro)}/h); runway ${hoursLeftText(rate)}; ${lowLineText(rate, runway.lowBalanceMicro)}`;
  });
}
