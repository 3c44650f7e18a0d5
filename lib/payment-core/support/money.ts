/**
 * Money is an integer count of USDC's smallest unit (6 decimals), a `bigint` of micro-USDC,
 * from parsing to the last formatting call. Nothing here goes through a float.
 */
import { InvalidInputError } from "./errors";

export type Micro = bigint;

export const USDC_DECIMALS = 6;
const SCALE = 1_000_000n;
const AMOUNT = /^(\d+)(?:\.(\d+))?$/;

/** An amount that is not one: an input error (`invalid_amount`) with the text given. */
export class MoneyParseError extends InvalidInputError {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super("invalid_amount", `invalid USDC amount ${JSON.stringify(input)}: ${reason}`, { input });
    this.name = "MoneyParseError";
  }
}

/** Parses a decimal USDC string such as "150", "150.5" or "0.000001" into micro-USDC. */
export function parseUsdc(input: string): Micro {
  if (typeof input !== "string") throw new MoneyParseError(String(input), "not a string");
  if (input.length === 0) throw new MoneyParseError(input, "empty");
  const match = AMOUNT.exec(input);
  if (!match) {
    if (/^-\d/.test(input)) throw new MoneyParseError(input, "negative amounts are not allowed");
    if (/^-?\d+(\.\d+)?[eE][+-]?\d+$/.test(input)) {
      throw new MoneyParseError(input, "exponent notation is not allowed");
    }
    throw new MoneyParseError(input, "expected digits with an optional decimal part");
  }
  const [, whole = "", fraction = ""] = match;
  if (fraction.length > USDC_DECIMALS) {
    throw new MoneyParseError(input, `more than ${USDC_DECIMALS} decimal places`);
  }
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(USDC_DECIMALS, "0"));
}

function split(micro: Micro): { sign: string; whole: string; fraction: string } {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  return {
    sign: negative ? "-" : "",
    whole: (abs / SCALE).toString(),
    fraction: (abs % SCALE).toString().padStart(USDC_DECIMALS, "0"),
  };
}

/**
 * The amount as a bare decimal ("12.50", no symbol) for files, forms and JSON: at least
 * `minDecimals`, trailing zeros beyond that trimmed. `formatDollars` is the same with a "$".
 */
export function formatUsdc(micro: Micro, minDecimals = 2): string {
  const { sign, whole, fraction } = split(micro);
  let digits = fraction.replace(/0+$/, "");
  if (digits.length < minDecimals) digits = digits.padEnd(minDecimals, "0");
  return digits.length > 0 ? `${sign}${whole}.${digits}` : `${sign}${whole}`;
}

/** USDC for machines (the API's and the CLI's JSON): all six places, exact ("12.500000"). */
export function usdc6(micro: Micro): string {
  return formatUsdc(micro, USDC_DECIMALS);
}

/**
 * "$1,012.50" for people (messages, the console, the CLI's text): `formatUsdc` with two places, a
 * dollar sign and thousands separators. Files, JSON and forms keep plain decimals (`formatUsdc`).
 */
export function formatDollars(micro: Micro): string {
  const text = formatUsdc(micro, 2);
  const negative = text.startsWith("-");
  const [whole = "", fraction] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}$${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** Utilization as a percentage with one decimal, rounded, computed in integers ("87.5"). */
export function percentOf(used: Micro, limit: Micro): string {
  if (limit <= 0n) return used > 0n ? "100.0" : "0.0";
  // Rounded half up (10.09 % is "10.1"), but never "100.0" before the limit is reached.
  let tenths = (used * 2000n + limit) / (2n * limit);
  if (used < limit && tenths >= 1000n) tenths = 999n;
  return `${tenths / 10n}.${tenths % 10n}`;
}

export function minMicro(a: Micro, b: Micro): Micro {
  return a < b ? a : b;
}

/**
 * "$2.66" for money that is not a price (balances, totals, limits, rates per hour): two places
 * exactly, rounded half up from the integer (2.65875 → 2.66). A per-payment price keeps its
 * places with `formatDollars` ("$0.001").
 */
export function formatMoney(micro: Micro): string {
  return formatDollars(roundCents(micro));
}

/** The amount rounded half up (away from zero) to whole cents, still in micro-USDC (2_658_750 → 2_660_000). */
export function roundCents(micro: Micro): Micro {
  const negative = micro < 0n;
  const cents = ((negative ? -micro : micro) + 5_000n) / 10_000n;
  return (negative && cents > 0n ? -cents : cents) * 10_000n;
}

/** Wei as ETH for people: six places, rounded half up (1234567890123456789 wei → "1.234568"). */
export function formatEth(wei: bigint): string {
  const negative = wei < 0n;
  // Micro-ETH have USDC's six places: the same exact formatting.
  const micro = ((negative ? -wei : wei) + 500_000_000_000n) / 1_000_000_000_000n;
  return usdc6(negative ? -micro : micro);
}
