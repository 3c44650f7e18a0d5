import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLimit } from "@/lib/payment-core/budgets/usage";
import { createPaymentEventSink } from "@/lib/payment-core/ledger/events";
import { createResponseStore } from "@/lib/payment-core/ledger/responses";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { parseUsdc } from "@/lib/payment-core/support/money";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);
const usdc = parseUsdc;

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
  const today = new Date();
  const at = (minutesAgo: number) => new Date(today.getTime() - minutesAgo * 60_000).toISOString();
  await insertHistoricalRows(t.db, [
    {
      id: "tx_paid",
      createdAt: at(3),
      agentId: "builder_agent",
      vendor: "search",
      amountMicro: usdc("5"),
      status: "completed",
    },
    {
      id: "tx_refused",
      createdAt: at(2),
      agentId: "builder_agent",
      vendor: "dataset",
      amountMicro: usdc("2"),
      status: "rejected",
      errorCode: "daily_limit_exceeded",
      errorMessage: "daily limit of $5.00 reached",
    },
  ]);
  await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: usdc("5"), actor: "op" });
  const sink = createPaymentEventSink(t.db);
  sink.record({
    transactionId: "tx_refused",
    event: "payment",
    level: "warn",
    message: "daily limit of $5.00 reached",
    fields: { status: "rejected", code: "daily_limit_exceeded", vendor: "dataset" },
  });
  await sink.flush();
  const answers = createResponseStore(t.db);
  answers.keep("tx_paid", {
    status: 200,
    headers: { "content-type": "application/json" },
    body: { hits: 3 },
  });
  await answers.flush();
});
afterAll(async () => t.drop());

describe("x402 ledger show: the guide's troubleshooting steps 1-4 in one command", () => {
  it("status, code and the next step, the budget then and now, wallet, receipt, history and log lines", async () => {
    const r = await x402(["ledger", "show", "tx_refused"], { X402_RPC_URL: "http://127.0.0.1:9" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("tx_refused · rejected (daily_limit_exceeded) · asked $2.00 · not charged");
    expect(r.stdout).toMatch(/Next step: Raise the daily limit on the agent page .* or wait until 00:00 UTC/);
    expect(r.stdout).toContain("day ");
    expect(r.stdout).toContain("$5.00 spent before it (1 payments) of $100.00");
    expect(r.stdout).toContain("limits then, from the audit log");
    expect(r.stdout).toContain("Budget now: blocked: daily limit reached until 00:00 UTC");
    expect(r.stdout).toMatch(/Wallet now: unavailable/);
    expect(r.stdout).toContain("Chain receipt: no transaction hash");
    expect(r.stdout).toMatch(/WARN payment: daily limit of \$5\.00 reached .*code=daily_limit_exceeded/);

    const json = (
      await x402(["ledger", "show", "tx_refused", "--json"], { X402_RPC_URL: "http://127.0.0.1:9" })
    ).json();
    expect(json).toMatchObject({
      transaction: { transaction_id: "tx_refused", status: "rejected", error_code: "daily_limit_exceeded" },
      amount_text: "asked $2.00 · not charged",
      next_step: { by: "code" },
      budget_at_payment: {
        day: { spent_before_usdc: "5.000000", payments_before: 1, limit_usdc: "100.000000" },
        limits_from: "history",
      },
      budget_now: { status: "blocked", status_text: "blocked: daily limit reached until 00:00 UTC" },
      wallet: { available: false },
      chain_receipt: null,
      events: [{ event: "payment", level: "warn", fields: { code: "daily_limit_exceeded" } }],
    });
    expect(json).toMatchObject({ vendor_answer: null });
    expect(r.stdout).toContain("Vendor's answer: none stored");

    // A paid row: the vendor's answer as stored apart from the row (issue 30).
    const paid = await x402(["ledger", "show", "tx_paid"], { X402_RPC_URL: "http://127.0.0.1:9" });
    expect(paid.stdout).toMatch(/Vendor's answer: HTTP 200 · \d+ bytes stored \d{4}-/);
    const paidJson = (
      await x402(["ledger", "show", "tx_paid", "--json"], { X402_RPC_URL: "http://127.0.0.1:9" })
    ).json();
    expect(paidJson).toMatchObject({
      vendor_answer: { status: 200, response: { status: 200, body: { hits: 3 } } },
    });
    const missing = await x402(["ledger", "show", "tx_nope", "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: "transaction_not_found" } });
  });

  it("ledger list says a refused row asked and charged nothing; agents and budgets say why it is blocked", async () => {
    const list = await x402(["ledger", "list"]);
    expect(list.stdout).toContain("asked $2.00 · not charged");
    expect(list.stdout).not.toMatch(/\b2\.00 +rejected/);
    expect(list.stdout).toContain("$5.00");

    const agents = await x402(["agents", "list"]);
    expect(agents.stdout).toContain("blocked: daily limit reached until 00:00 UTC");
    const agentsJson = (await x402(["agents", "list", "--json"])).json() as {
      agents: Record<string, unknown>[];
    };
    expect(agentsJson.agents.find((a) => a.id === "builder_agent")).toMatchObject({
      status: "active",
      payment_status: "blocked",
    });
    const budgets = await x402(["budgets", "--agent", "builder_agent", "--json"]);
    expect((budgets.json().agents as Record<string, unknown>[])[0]).toMatchObject({
      status: "active",
      payment_status_text: "blocked: daily limit reached until 00:00 UTC",
    });
    expect((await x402(["budgets"])).stdout).toContain("blocked: daily limit reached until 00:00 UTC");
  });
});
