import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let operator: CliUser;
let viewer: CliUser;
beforeAll(async () => {
  t = await createTestDatabase();
  [operator, viewer] = [await cliUser(t.db, "operator"), await cliUser(t.db, "viewer")];
  await insertHistoricalRows(t.db, [
    {
      id: "tx_cli_unserved",
      createdAt: "2026-11-30T10:00:00Z",
      agentId: "builder_agent",
      vendor: "flaky.example",
      amountMicro: 2_000_000n,
      status: "completed",
      txHash: `0x${"ab".repeat(32)}`,
    },
  ]);
  await t.db.$client`UPDATE transactions SET unserved_cause = 'vendor_error' WHERE id = 'tx_cli_unserved'`;
});
afterAll(async () => t?.drop());

const x402 = cliRunner(() => t.url);

describe("x402 ledger refund", () => {
  it("needs a signed-in operator, moves the refund through its states, and refuses a move that is not allowed", async () => {
    const refused = await x402(
      ["ledger", "refund", "tx_cli_unserved", "--state", "requested", "--json"],
      viewer.env,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr + refused.stdout).toContain("forbidden");
    const anonymous = await x402(["ledger", "refund", "tx_cli_unserved", "--state", "requested"]);
    expect(anonymous.code).not.toBe(0);

    const requested = await x402(
      ["ledger", "refund", "tx_cli_unserved", "--state", "requested", "--note", "ticket 42", "--json"],
      operator.env,
    );
    expect(requested.code).toBe(0);
    expect(requested.json()).toMatchObject({
      transaction_id: "tx_cli_unserved",
      refund_state: "requested",
      previous_state: "none",
      note: "ticket 42",
      by: operator.user.email,
    });

    const human = await x402(["ledger", "refund", "tx_cli_unserved", "--state", "written-off"], operator.env);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(
      `Refund of tx_cli_unserved: requested → written_off (by ${operator.user.email})\n`,
    );

    const again = await x402(
      ["ledger", "refund", "tx_cli_unserved", "--state", "refunded", "--json"],
      operator.env,
    );
    expect(again.code).toBe(1);
    expect(again.stderr + again.stdout).toContain("invalid_refund_transition");

    const shown = await x402(["ledger", "get", "tx_cli_unserved", "--json"], operator.env);
    expect(shown.json()).toMatchObject({
      transaction: {
        unserved_cause: "vendor_error",
        refund_state: "written_off",
        refund_by: operator.user.email,
      },
    });
    const audit = await t.db.$client`
      SELECT actor, after->>'refundState' AS state FROM audit_log WHERE action = 'transaction.refund_state' ORDER BY seq`;
    expect(audit).toEqual([
      { actor: operator.user.email, state: "requested" },
      { actor: operator.user.email, state: "written_off" },
    ]);
  });
});
