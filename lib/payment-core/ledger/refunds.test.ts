import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { getTransaction, listTransactions } from "./read";
import { setRefundState } from "./refunds";
import { insertHistoricalRows } from "./write";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const HASH = `0x${"ab".repeat(32)}`;

beforeEach(async () => {
  await truncate(t.db, "transactions, alert_deliveries, alerts, audit_log");
  await insertHistoricalRows(t.db, [
    {
      id: "tx_unserved",
      createdAt: "2026-11-30T10:00:00Z",
      agentId: "builder_agent",
      vendor: "flaky.example",
      amountMicro: 2_000_000n,
      status: "completed",
      txHash: HASH,
    },
    {
      id: "tx_served",
      createdAt: "2026-11-30T10:01:00Z",
      agentId: "builder_agent",
      vendor: "ok.example",
      amountMicro: 1_000_000n,
      status: "completed",
      txHash: `0x${"cd".repeat(32)}`,
    },
    {
      id: "tx_failed",
      createdAt: "2026-11-30T10:02:00Z",
      agentId: "builder_agent",
      vendor: "flaky.example",
      amountMicro: 1_000_000n,
      status: "failed",
      errorCode: "vendor_error",
    },
  ]);
  // As the completing trigger marks it, and the open live alert it raised.
  await t.db.$client`UPDATE transactions SET unserved_cause = 'vendor_error' WHERE id = 'tx_unserved'`;
  await t.db.$client`
    INSERT INTO alerts (kind, severity, message, dedupe_key, once_key)
    VALUES ('payment_unserved', 'critical', 'paid but not served', 'payment_unserved:tx_unserved', 'payment_unserved:tx_unserved')`;
});

const audit = () =>
  t.db.$client<
    { actor: string; action: string; target_id: string; before: unknown; after: Record<string, unknown> }[]
  >`
    SELECT actor, action, target_id, before, after FROM audit_log WHERE action = 'transaction.refund_state' ORDER BY seq`;

describe("refund of a payment taken but not served", () => {
  it("moves none → requested → refunded with who, when and the note, audited each time; the alert resolves at the final state", async () => {
    const requested = await setRefundState(t.db, {
      id: "tx_unserved",
      state: "requested",
      note: "ticket #42",
      actor: "op@demo.local",
    });
    expect(requested).toMatchObject({
      state: "requested",
      previousState: "none",
      note: "ticket #42",
      by: "op@demo.local",
    });
    const row = await getTransaction(t.db, "tx_unserved");
    expect(row).toMatchObject({
      refundState: "requested",
      refundNote: "ticket #42",
      refundBy: "op@demo.local",
      unservedCause: "vendor_error",
    });
    const [open] = await t.db
      .$client`SELECT resolved_at FROM alerts WHERE once_key = 'payment_unserved:tx_unserved'`;
    expect(open?.resolved_at).toBeNull();

    await setRefundState(t.db, { id: "tx_unserved", state: "refunded", actor: "op2@demo.local" });
    expect(await getTransaction(t.db, "tx_unserved")).toMatchObject({
      refundState: "refunded",
      refundBy: "op2@demo.local",
    });
    const [resolved] = await t.db
      .$client`SELECT resolved_at FROM alerts WHERE once_key = 'payment_unserved:tx_unserved'`;
    expect(resolved?.resolved_at).not.toBeNull();
    expect((await audit()).map((a) => [a.actor, a.before, a.after.refundState])).toEqual([
      ["op@demo.local", { refundState: "none" }, "requested"],
      ["op2@demo.local", { refundState: "requested" }, "refunded"],
    ]);
  });

  it("refuses moves that are not allowed, with a code and the figures, and writes nothing", async () => {
    await expect(
      setRefundState(t.db, { id: "tx_unserved", state: "refunded", actor: "op" }),
    ).rejects.toMatchObject({
      code: "invalid_refund_transition",
      details: { from: "none", to: "refunded", allowed: ["requested", "written_off"] },
    });
    await setRefundState(t.db, { id: "tx_unserved", state: "written_off", actor: "op" });
    await expect(
      setRefundState(t.db, { id: "tx_unserved", state: "requested", actor: "op" }),
    ).rejects.toMatchObject({
      code: "invalid_refund_transition",
      details: { from: "written_off", allowed: [] },
    });
    await expect(
      setRefundState(t.db, { id: "tx_served", state: "requested", actor: "op" }),
    ).rejects.toMatchObject({
      code: "refund_not_applicable",
      details: { status: "completed", unservedCause: null },
    });
    await expect(
      setRefundState(t.db, { id: "tx_failed", state: "requested", actor: "op" }),
    ).rejects.toMatchObject({
      code: "refund_not_applicable",
      details: { status: "failed" },
    });
    await expect(
      setRefundState(t.db, { id: "tx_nope", state: "requested", actor: "op" }),
    ).rejects.toMatchObject({
      code: "transaction_not_found",
    });
    await expect(
      setRefundState(t.db, { id: "tx_unserved", state: "none" as "requested", actor: "op" }),
    ).rejects.toMatchObject({ code: "invalid_refund_state" });
    expect(await audit()).toHaveLength(1);
    expect(await getTransaction(t.db, "tx_served")).toMatchObject({ refundState: "none", refundBy: null });
  });

  it("two operators moving the same refund at once: one wins, the other is refused against the new state", async () => {
    const results = await Promise.allSettled(
      ["a", "b"].map((who) =>
        setRefundState(t.connect(1), { id: "tx_unserved", state: "requested", actor: who }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(refused && (refused as PromiseRejectedResult).reason).toMatchObject({
      code: "invalid_refund_transition",
    });
    expect(await audit()).toHaveLength(1);
  });

  it("the ledger filters by unserved and by refund state", async () => {
    const ids = async (refund: "unserved" | "requested" | "none") =>
      (await listTransactions(t.db, { refund })).rows.map((r) => r.id);
    expect(await ids("unserved")).toEqual(["tx_unserved"]);
    expect(await ids("requested")).toEqual([]);
    await setRefundState(t.db, { id: "tx_unserved", state: "requested", actor: "op" });
    expect(await ids("requested")).toEqual(["tx_unserved"]);
    expect(await ids("none")).toEqual(["tx_failed", "tx_served"]);
    await expect(listTransactions(t.db, { refund: "paid" as "none" })).rejects.toMatchObject({
      code: "invalid_filter",
    });
  });
});
