import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnswerVendor } from "@/lib/testing/hostile-vendor";
import { AGENT, balances, key, net, pay, payer, setupLocalTestbed, t } from "@/lib/testing/local-payer";
import { createResponseStore, getStoredResponse } from "../ledger/responses";
import { readLedgerRow, rowOutcome } from "./outcome";

/**
 * Issue 30: the vendor's answer to a paid request is kept apart from the ledger row (its commit
 * writes only the status), off the payment's path, and the same key still answers it whole.
 */

setupLocalTestbed();

/** A JSON document of about `bytes` bytes. */
const bigJson = (bytes: number) =>
  JSON.stringify({
    results: Array.from({ length: Math.ceil(bytes / 40) }, (_, i) => ({ id: i, t: "x".repeat(24) })),
  });

describe("the vendor's answer, kept apart from the ledger row", () => {
  const BIG = bigJson(300_000);
  // JSON that jsonb refuses (\u0000), as a hostile vendor may send it.
  const NUL = JSON.stringify({ text: "a\u0000b", ok: true });
  let vendor: Awaited<ReturnType<typeof startAnswerVendor>>;
  beforeAll(async () => {
    vendor = await startAnswerVendor(net, {
      big: { body: BIG, contentType: "application/json" },
      nul: { body: NUL, contentType: "application/json" },
    });
  });
  afterAll(async () => {
    await vendor?.stop();
  });

  const metadataBytes = async (id: string) => {
    const [r] = await t.db.$client<{ bytes: number; response: unknown }[]>`
      SELECT octet_length(metadata::text) AS bytes, metadata->'response' AS response FROM transactions WHERE id = ${id}`;
    return r;
  };

  it("a 300 KB answer: the row keeps its status only, the answer is stored whole and the same key answers it", async () => {
    const p = payer({ allow: [vendor.url] });
    const idempotencyKey = key();
    const before = await balances();
    const out = await pay(p, { url: `${vendor.url}/big`, idempotencyKey });
    expect(out).toMatchObject({ ok: true, paid: true, response: { status: 200 } });
    if (!out.ok || !out.paid) return;
    expect(out.response?.body).toEqual(JSON.parse(BIG));
    // Paid once, on chain.
    expect((await balances()).payer).toBe(before.payer - 10_000n);

    // The commit wrote the status, not the 300 KB.
    const meta = await metadataBytes(out.transactionId);
    expect(meta?.response).toEqual({ status: 200 });
    expect(meta?.bytes).toBeLessThan(2_000);

    // The answer is there once the buffer is written (the same process's replay waits for it).
    const again = await pay(p, { url: `${vendor.url}/big`, idempotencyKey });
    expect(again).toMatchObject({ ok: true, replayed: true, transactionId: out.transactionId });
    if (again.ok && again.paid) expect(again.response).toEqual(out.response);
    const stored = await getStoredResponse(t.db, out.transactionId);
    expect(stored).toMatchObject({ status: 200, response: out.response });
    expect(stored?.bytes).toBeGreaterThan(300_000);

    // Another process (a fresh payer on its own store) answers the key from the table too.
    const other = await pay(payer({ allow: [vendor.url] }), { url: `${vendor.url}/big`, idempotencyKey });
    if (other.ok && other.paid) expect(other.response).toEqual(out.response);
    expect(other).toMatchObject({ ok: true, replayed: true });
    expect((await balances()).payer).toBe(before.payer - 10_000n);
  });

  it("an answer jsonb refuses (\\u0000) is stored and answered as sent", async () => {
    const p = payer({ allow: [vendor.url] });
    const idempotencyKey = key();
    const out = await pay(p, { url: `${vendor.url}/nul`, idempotencyKey });
    expect(out).toMatchObject({ ok: true, paid: true });
    if (!out.ok || !out.paid) return;
    expect(out.response?.body).toEqual({ text: "a\u0000b", ok: true });
    const again = await pay(p, { url: `${vendor.url}/nul`, idempotencyKey });
    expect(again).toMatchObject({ ok: true, replayed: true });
    if (again.ok && again.paid) expect(again.response?.body).toEqual({ text: "a\u0000b", ok: true });
  });

  it("a row committed before issue 30 (the answer in its metadata) still answers it", async () => {
    const response = { status: 200, headers: { "content-type": "application/json" }, body: { old: true } };
    await t.db.$client`
      INSERT INTO transactions (id, agent_id, vendor, amount_micro, status, idempotency_key, tx_hash, metadata)
      VALUES ('tx_legacy_answer', ${AGENT}, 'v', 10000, 'completed', ${key()}, ${`0x${"ab".repeat(32)}`},
        ${JSON.stringify({ response })}::jsonb)`;
    const row = await readLedgerRow(t.db, { id: "tx_legacy_answer" });
    expect(row && rowOutcome(row)).toMatchObject({ ok: true, paid: true, response });
  });

  it("the answer's write turns off synchronous_commit for its own transaction only", async () => {
    const one = t.connect(1);
    const store = createResponseStore(one);
    store.keep("tx_async_commit", { status: 200, headers: {}, body: { ok: true } });
    await store.flush();
    expect(await getStoredResponse(one, "tx_async_commit")).toMatchObject({ status: 200 });
    // The same (only) connection: the session's setting is durable commits again.
    const [setting] = await one.$client<{ synchronous_commit: string }[]>`SHOW synchronous_commit`;
    expect(setting?.synchronous_commit).toBe("on");
  });

  it("a store whose write fails logs it and never throws; the replay then answers without the body", async () => {
    const errors: string[] = [];
    const log = {
      error: (_: unknown, message: string) => errors.push(message),
      warn() {},
      info() {},
      debug() {},
    };
    const store = createResponseStore(t.db, { log: log as never });
    // A transaction id longer than any the ledger has is fine; a status out of int range is not.
    store.keep("tx_unwritable", { status: 2 ** 40, headers: {}, body: null });
    await store.written("tx_unwritable");
    expect(errors).toEqual(["vendor answers not stored"]);
    expect(await getStoredResponse(t.db, "tx_unwritable")).toBeNull();
  });
});
