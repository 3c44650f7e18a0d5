import { describe, expect, it } from "vitest";
import {
  AGENT,
  config,
  hostile,
  key,
  localPayer,
  net,
  row,
  setupLocalTestbed,
  t,
} from "@/lib/testing/local-payer";
import { BudgetEngine } from "../budgets/engine";
import { raisePaymentAlerts } from "./live";

/**
 * Paid but not served on the real payment path: the local chain, the real USDC contract and the
 * facilitator; a vendor that settles the signed payment and then answers 500.
 */

setupLocalTestbed();

describe("a vendor that takes the money and then fails", () => {
  it("the payer answers vendor_error with the completed settlement, and a critical alert names the row at once", async () => {
    const runs: Promise<unknown>[] = [];
    const engine = new BudgetEngine(t.db, {
      config: () => config,
      onCompleted: (ids) => {
        runs.push(raisePaymentAlerts(t.db, ids, { config: { budget: config, priceDriftPct: 20 } }));
      },
    });
    const payer = localPayer(net, { db: t.db, engine }, { maxRetries: 0, allowVendors: [hostile.url] });
    const outcome = await payer.payForService({
      agentId: AGENT,
      url: `${hostile.url}/settle-then-fail?amount=1500000`,
      idempotencyKey: key(),
    });
    expect(outcome).toMatchObject({
      ok: false,
      code: "vendor_error",
      settlement: { status: "completed", priceMicro: 1_500_000n },
    });
    if (outcome.ok || !outcome.transactionId) return;
    const id = outcome.transactionId;
    expect(await row(id)).toMatchObject({ status: "completed", amount_micro: 1_500_000n });
    await Promise.all(runs);

    const alerts = await t.db.$client<
      { severity: string; message: string; figures: Record<string, unknown> }[]
    >`
      SELECT severity::text AS severity, message, figures FROM alerts WHERE kind = 'payment_unserved'`;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.severity).toBe("critical");
    expect(alerts[0]?.message).toContain(
      `Transaction: ${id}\nAgent: ${AGENT}\nVendor: ${new URL(hostile.url).host}`,
    );
    expect(alerts[0]?.figures).toMatchObject({
      transactionId: id,
      amountMicro: "1500000",
      cause: "vendor_error",
    });
    const [deliveries] = await t.db.$client`
      SELECT count(*)::int AS n FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
      WHERE a.kind = 'payment_unserved'`;
    expect(deliveries?.n).toBe(2);
  });
});
