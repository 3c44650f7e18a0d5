import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { UptoMaximumFact } from "@/components/ledger/upto-maximum";

/** The transaction page's "Maximum authorized" line of an `upto` payment, as text. */
const shown = (
  scheme: string,
  maxAmountMicro: string | bigint | null,
  amountMicro: string | bigint,
  status: string,
) =>
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

  it("compares amounts as numbers, also when they arrive as strings (the page's view)", () => {
    expect(shown("upto", "100000", "9000", "completed")).toBe(
      "Maximum authorized $0.10 · charged $0.009 , the rest released",
    );
    expect(shown("upto", "100000", "100000", "completed")).toBe(
      "Maximum authorized $0.10 · charged $0.10 , all of it",
    );
  });

  it("is absent for an exact payment", () => {
    expect(shown("exact", null, 10_000n, "completed")).toBe("");
  });
});
