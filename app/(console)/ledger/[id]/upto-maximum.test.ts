import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { UptoMaximumFact } from "@/components/ledger/upto-maximum";

/** The transaction page's "Maximum authorized" line of an `upto` payment, as text. */
const shown = (scheme: string, maxAmountMicro: bigint | null, amountMicro: bigint, status: string) =>
  renderToStaticMarkup(createElement(UptoMaximumFact, { scheme, maxAmountMicro, amountMicro, status }))
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

describe("the transaction page's upto maximum", () => {
  it("shows the maximum, and once captured what was charged of it", () => {
    expect(shown("upto", 100_000n, 18_000n, "completed")).toBe(
      "Maximum authorized $0.10 · charged $0.018 , the rest released",
    );
    expect(shown("upto", 100_000n, 100_000n, "authorized")).toBe(
      "Maximum authorized $0.10 · reserved until the chain shows what was charged",
    );
  });

  it("is absent for an exact payment", () => {
    expect(shown("exact", null, 10_000n, "completed")).toBe("");
  });
});
