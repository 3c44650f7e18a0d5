import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PaymentIdentifierFact } from "@/components/ledger/payment-identifier";

/** The transaction page's "Payment identifier" line, as text, for a row's metadata and outcome. */
const shown = (metadata: Record<string, unknown>, status = "completed", errorCode: string | null = null) =>
  renderToStaticMarkup(createElement(PaymentIdentifierFact, { metadata, status, errorCode }))
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

const ID = `pay_${"ab".repeat(32)}`;

describe("the transaction page's payment identifier", () => {
  it("shows the id the vendor was sent, with a copy button", () => {
    const html = renderToStaticMarkup(
      createElement(PaymentIdentifierFact, {
        metadata: { payment_identifier: { advertised: true, id: ID } },
        status: "completed",
        errorCode: null,
      }),
    );
    expect(html).toContain('aria-label="Copy payment identifier"');
    expect(shown({ payment_identifier: { advertised: true, id: ID } })).toMatch(
      new RegExp(`^Payment identifier sent ${ID}`),
    );
  });

  it("says when the vendor did not advertise it, or when nothing was signed", () => {
    expect(shown({ payment_identifier: { advertised: false } })).toBe(
      "Payment identifier not advertised by the vendor",
    );
    expect(shown({ payment_identifier: { advertised: false, reason: "invalid_declaration" } })).toBe(
      "Payment identifier not sent: the vendor declared it invalidly",
    );
    const refused = { payment_identifier: { advertised: true, id: ID } };
    expect(shown(refused, "rejected", "daily_limit_exceeded")).toBe(
      "Payment identifier not sent: nothing was signed",
    );
    expect(shown(refused, "failed", "signing_failed")).toBe(
      "Payment identifier not sent: nothing was signed",
    );
  });

  it("a row recorded before the identifier was kept shows the empty mark, not a guess", () => {
    expect(shown({ request_fingerprint: "x" })).not.toMatch(/sent|advertised/);
  });
});
