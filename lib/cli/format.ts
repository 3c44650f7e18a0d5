import { formatUsdc, type Micro } from "@/lib/payment-core/support/money";

/** USDC for machines: a decimal string with all six places, exact (one definition, in money.ts). */
export { usdc6 } from "@/lib/payment-core/support/money";
/** USDC for people: two places at least. */
export const usdc2 = (micro: Micro) => formatUsdc(micro, 2);

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

/** Dollars for people, with thousands separators: "$1,000.00" (exact, from the integer). */
export function usd(micro: Micro): string {
  const text = formatUsdc(micro < 0n ? -micro : micro, 2);
  const [whole = "0", fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${micro < 0n ? "-" : ""}$${grouped}${fraction ? `.${fraction}` : ""}`;
}
