import { formatUsdc, type Micro, roundCents } from "@/lib/payment-core/support/money";

/** USDC for machines: a decimal string with all six places, exact (one definition, in money.ts). */
export { usdc6 } from "@/lib/payment-core/support/money";
/** A price in a table's plain column: two places at least, every place it has ("0.001"). */
export const usdcPrice = (micro: Micro) => formatUsdc(micro, 2);
/** Money (a total, a balance, a daily or monthly limit) in a table's plain column: two places exactly. */
export const usdcMoney = (micro: Micro) => formatUsdc(roundCents(micro), 2);
/** "$1,012.50" for people: money with two places (`formatMoney`), prices with theirs (`formatDollars`). */
export { formatDollars, formatMoney } from "@/lib/payment-core/support/money";

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return `${cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
