import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { setLimit } from "../budgets/usage";
import { ERROR_CODES, REFUSAL_CODES } from "../support/errors";
import { parseUsdc } from "../support/money";
import { amountWords, chargedMicro } from "./amount-words";
import { cleanEventFields, cleanEventText, createPaymentEventSink, EVENT_FIELDS_MAX_BYTES } from "./events";
import { NEXT_STEP_BY_CODE, nextStep, ROW_ERROR_CODES } from "./next-step";
import { TRANSACTION_STATUSES } from "./read";
import { getTroubleshooting } from "./troubleshoot";
import { insertHistoricalRows } from "./write";

const usdc = parseUsdc;

describe("the next step for a transaction", () => {
  it("every code a row can carry has its own step, and every row status has one", () => {
    // The budget's refusals and the resolver's release codes are row codes.
    for (const code of [
      ...REFUSAL_CODES,
      "authorization_expired",
      "stale_reservation",
      "authorization_cancelled",
    ]) {
      expect(ROW_ERROR_CODES).toContain(code);
    }
    const generic = new Set(
      TRANSACTION_STATUSES.map((status) => nextStep({ id: "tx_1", status, errorCode: null }).text),
    );
    for (const code of ROW_ERROR_CODES) {
      expect(ERROR_CODES).toContain(code);
      const step = nextStep({ id: "tx_1", status: "rejected", errorCode: code });
      expect(step.by).toBe("code");
      expect(step.text.length).toBeGreaterThan(20);
      if (code !== "awaiting_approval" && code !== "authorization_cancelled") {
        expect(generic.has(step.text)).toBe(false);
      }
    }
    for (const status of TRANSACTION_STATUSES) {
      expect(nextStep({ id: "tx_1", status, errorCode: null }).text).not.toBe("");
    }
  });

  it("says what the operator does: raise the limit or wait, accept the payTo, settle this row", () => {
    expect(nextStep({ id: "tx_9", status: "rejected", errorCode: "daily_limit_exceeded" }).text).toMatch(
      /raise the daily limit on the agent page.*or wait until 00:00 UTC/i,
    );
    expect(nextStep({ id: "tx_9", status: "rejected", errorCode: "vendor_payto_changed" }).text).toMatch(
      /accept the new payTo on the vendor page/,
    );
    expect(nextStep({ id: "tx_9", status: "authorized", errorCode: "settlement_unknown" }).text).toContain(
      "x402 settle --id tx_9",
    );
    // An imported row's foreign code falls back to its status; a completed row needs nothing.
    expect(nextStep({ id: "tx_9", status: "failed", errorCode: "their_code" })).toMatchObject({
      by: "status",
    });
    expect(nextStep({ id: "tx_9", status: "completed", errorCode: "settlement_unknown" }).text).toMatch(
      /Nothing to do/,
    );
    expect(Object.keys(NEXT_STEP_BY_CODE)).toEqual(ROW_ERROR_CODES);
  });
});

describe("honest amounts", () => {
  it("a refused or failed row says what it asked and that nothing was charged", () => {
    expect(amountWords(usdc("2"), "rejected")).toBe("asked $2.00 · not charged");
    expect(amountWords(usdc("0.25"), "failed")).toBe("asked $0.25 · not charged");
    expect(amountWords(0n, "rejected")).toBe("not charged");
    expect(amountWords(usdc("1234.5"), "completed")).toBe("$1,234.50");
    expect(chargedMicro(usdc("2"), "cancelled")).toBe(0n);
    expect(chargedMicro(usdc("2"), "completed")).toBe(usdc("2"));
    expect(chargedMicro(usdc("2"), "authorized")).toBeNull();
  });
});

describe("payment events: vendor text bounded and cleaned", () => {
  it("replaces control characters and lone surrogates, cuts long text, bounds the whole", () => {
    expect(cleanEventText("ok\u0000\u001b[31mred\ud800!")).toBe("ok\uFFFD\uFFFD[31mred\uFFFD!");
    const long = cleanEventText("x".repeat(10_000));
    expect(long.length).toBe(300);
    expect(long.endsWith("…")).toBe(true);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, "y".repeat(290)]));
    const cleaned = cleanEventFields(many);
    expect(Buffer.byteLength(JSON.stringify(cleaned))).toBeLessThanOrEqual(EVENT_FIELDS_MAX_BYTES);
    expect(cleaned.truncated).toBe(true);
    expect(cleaned.k0).toBe("y".repeat(290));
  });
});

describe("one page of troubleshooting, against the database", () => {
  let t: TestDatabase;
  const config = defaultBudgetConfig();
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());
  beforeEach(async () => {
    await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log, payment_events");
  });

  it("the budget when it paid (spend before it, the limits then) and now, its events and history", async () => {
    const at = new Date(Date.now() - 60_000);
    const before = new Date(at.getTime() - 1_000).toISOString();
    await insertHistoricalRows(t.db, [
      {
        id: "tx_a",
        createdAt: before,
        agentId: "builder_agent",
        vendor: "v",
        amountMicro: usdc("3"),
        status: "completed",
      },
      {
        id: "tx_b",
        createdAt: before,
        agentId: "builder_agent",
        vendor: "v",
        amountMicro: usdc("7"),
        status: "rejected",
      },
      {
        id: "tx_c",
        createdAt: before,
        agentId: "research_agent",
        vendor: "v",
        amountMicro: usdc("5"),
        status: "completed",
      },
      {
        id: "tx_x",
        createdAt: at.toISOString(),
        agentId: "builder_agent",
        vendor: "v",
        amountMicro: usdc("2"),
        status: "rejected",
        errorCode: "daily_limit_exceeded",
        errorMessage: "daily limit",
      },
    ]);
    const sink = createPaymentEventSink(t.db);
    sink.record({
      transactionId: "tx_x",
      event: "payment",
      level: "warn",
      message: "daily limit\u0007",
      fields: { code: "daily_limit_exceeded", vendorLabel: "evil\u001b]0;", amountMicro: 2_000_000n },
    });
    await sink.flush();

    // No limit changed since: today's limits are the ones it met.
    const first = await getTroubleshooting(t.db, config, "tx_x");
    expect(first?.budgetAtPayment).toMatchObject({
      day: { spentBeforeMicro: usdc("3"), payments: 1, limitMicro: usdc("100") },
      month: { spentBeforeMicro: usdc("3"), limitMicro: usdc("1000") },
      limitsFrom: "today",
    });
    expect(first?.next.text).toMatch(/daily limit/);
    expect(first?.events).toEqual([
      expect.objectContaining({
        event: "payment",
        level: "warn",
        message: "daily limit\uFFFD",
        fields: { code: "daily_limit_exceeded", vendorLabel: "evil\uFFFD]0;", amountMicro: "2000000" },
      }),
    ]);

    // The limit lowered after it: the page tells the limit then ($100) from the limit now ($5).
    await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: usdc("5"), actor: "op" });
    const later = await getTroubleshooting(t.db, config, "tx_x");
    expect(later?.budgetAtPayment).toMatchObject({ day: { limitMicro: usdc("100") }, limitsFrom: "history" });
    expect(later?.budgetNow?.daily).toMatchObject({ limitMicro: usdc("5"), spentMicro: usdc("3") });
    expect(later?.statusNow?.label).toBe("active");
    expect(later?.history).toEqual([]);
    expect(await getTroubleshooting(t.db, config, "tx_none")).toBeNull();
  });

  it("payment events are stored in the order recorded; their write leaves the session's durability as it was", async () => {
    const one = t.connect(1);
    const sink = createPaymentEventSink(one);
    for (const [i, level] of (["info", "warn", "error"] as const).entries()) {
      sink.record({
        transactionId: "tx_order",
        event: "payment",
        level,
        message: `line ${i}`,
        fields: { i },
      });
    }
    await sink.flush();
    const rows = await one.$client<{ message: string; level: string; fields: { i: number } }[]>`
      SELECT message, level, fields FROM payment_events WHERE transaction_id = 'tx_order' ORDER BY id`;
    expect(rows.map((r) => [r.message, r.level, r.fields.i])).toEqual([
      ["line 0", "info", 0],
      ["line 1", "warn", 1],
      ["line 2", "error", 2],
    ]);
    // The write's transaction ran with synchronous_commit off; the session's setting is on again.
    const [setting] = await one.$client<{ synchronous_commit: string }[]>`SHOW synchronous_commit`;
    expect(setting?.synchronous_commit).toBe("on");
    await one.$client.end();
  });
});
