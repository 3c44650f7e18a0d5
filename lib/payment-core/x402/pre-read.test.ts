import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { getVendorPolicy, setVendorPolicy } from "../agents/vendor-policy";
import { findByKey } from "../budgets/engine";
import { getApprovalThreshold } from "../payment-approvals/threshold";
import { payerRotating } from "../treasury/rotation-gate";
import { readPaymentPreRead } from "./pre-read";

/**
 * The payer's one pre-read (pre-read.ts) answers what the five separate reads answered: the
 * allowlist, the console threshold, the row under the key, the payer's gated rotation and the
 * vendor's pin, for an agent and a payer in every state the payer branches on.
 */

const AGENT = "builder_agent";
const OLD = "0x00000000000000000000000000000000000000aa";
const NEW = "0x00000000000000000000000000000000000000bb";
/** The payer as viem spells it (checksummed): the gate compares it lower-cased. */
const OLD_CHECKSUMMED = "0x00000000000000000000000000000000000000AA";
const HOST = "vendor.example:8443";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

/** What the separate functions say, in the pre-read's shape. */
async function separately(agentId: string, key: string, payer: string, host: string) {
  const [policy, threshold, prior, rotating, pin] = await Promise.all([
    getVendorPolicy(t.db, agentId),
    getApprovalThreshold(t.db, agentId, undefined),
    findByKey(t.db, agentId, key),
    payerRotating(t.db, payer),
    t.db.$client<
      { accepted_pay_to: string | null }[]
    >`SELECT accepted_pay_to FROM vendors WHERE host = ${host}`,
  ]);
  return {
    policy,
    consoleThresholdMicro: threshold?.consoleMicro ?? null,
    prior: prior ? { id: prior.id, status: prior.status } : null,
    rotating,
    pinnedPayTo: pin[0]?.accepted_pay_to ?? null,
  };
}

describe("readPaymentPreRead", () => {
  it("an unknown agent, a new key, no rotation, an unknown vendor: all empty", async () => {
    const read = await readPaymentPreRead(t.db, {
      agentId: "no_such_agent",
      idempotencyKey: "k-new",
      payer: OLD_CHECKSUMMED,
      host: HOST,
    });
    expect(read).toEqual({
      policy: null,
      consoleThresholdMicro: null,
      prior: null,
      rotating: null,
      pinnedPayTo: null,
    });
    expect(read).toEqual(await separately("no_such_agent", "k-new", OLD_CHECKSUMMED, HOST));
  });

  it("every part set: the same figures as the five separate reads", async () => {
    await setVendorPolicy(t.db, {
      agentId: AGENT,
      hosts: [HOST],
      payees: ["0x1111111111111111111111111111111111111111"],
      actor: "test",
    });
    await t.db.$client`UPDATE agents SET approval_above_micro = 250000 WHERE id = ${AGENT}`;
    await t.db.$client`
      INSERT INTO transactions (id, agent_id, vendor, amount_micro, status, idempotency_key)
      VALUES ('tx_pre_read', ${AGENT}, 'v', 10000, 'rejected', 'k-used')`;
    await t.db.$client`
      INSERT INTO vendors (host, source, accepted_pay_to) VALUES (${HOST}, '402', '0x2222222222222222222222222222222222222222')`;
    await t.db.$client`
      INSERT INTO wallets (address, label, network, role) VALUES
        (${OLD}, 'old', 'eip155:31337', 'payer'), (${NEW}, 'new', 'eip155:31337', 'treasury')`;
    // Not gated yet: a rotation that has not begun its sweep.
    await t.db.$client`
      INSERT INTO payer_rotations (id, old_wallet, new_wallet, state, nonce, deadline, network, created_by)
      VALUES ('rot_1', ${OLD}, ${NEW}, 'test_paid', '0x01', now() + interval '1 hour', 'eip155:31337', 'test')`;

    const input = { agentId: AGENT, idempotencyKey: "k-used", payer: OLD_CHECKSUMMED, host: HOST };
    const before = await readPaymentPreRead(t.db, input);
    expect(before).toEqual({
      policy: { hosts: [HOST], payees: ["0x1111111111111111111111111111111111111111"] },
      consoleThresholdMicro: 250_000n,
      prior: { id: "tx_pre_read", status: "rejected" },
      rotating: null,
      pinnedPayTo: "0x2222222222222222222222222222222222222222",
    });
    expect(before).toEqual(await separately(AGENT, "k-used", OLD_CHECKSUMMED, HOST));

    // The sweep began: the old wallet is gated, whatever case the payer's address is spelled in.
    await t.db.$client`UPDATE payer_rotations SET sweep_started_at = now() WHERE id = 'rot_1'`;
    const gated = await readPaymentPreRead(t.db, input);
    expect(gated.rotating).toMatchObject({ rotationId: "rot_1", state: "test_paid", wallet: OLD });
    expect(gated).toEqual(await separately(AGENT, "k-used", OLD_CHECKSUMMED, HOST));

    // Another payer, another key, another host: only the agent's own parts remain.
    const other = { agentId: AGENT, idempotencyKey: "k-other", payer: NEW, host: "other.example" };
    const read = await readPaymentPreRead(t.db, other);
    expect(read).toMatchObject({
      prior: null,
      rotating: null,
      pinnedPayTo: null,
      consoleThresholdMicro: 250_000n,
    });
    expect(read).toEqual(await separately(AGENT, "k-other", NEW, "other.example"));
  });
});
