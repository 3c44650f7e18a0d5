import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalTypedData, ownerChangeTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
/** The shell's signed-in admin (commands that change state need one; lib/cli/auth.ts). */
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);
const payerKey = generatePrivateKey();
const newKey = generatePrivateKey();
const owner = privateKeyToAccount(generatePrivateKey());
const consoleOwner = privateKeyToAccount(generatePrivateKey());
const newPayer = privateKeyToAccount(newKey);
const shell = {
  X402_NETWORK: "eip155:31337",
  X402_USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  X402_PAYER_PRIVATE_KEY: payerKey,
  X402_TREASURY_OWNERS: owner.address,
  NEW_PAYER_KEY: newKey,
};

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

describe("x402 treasury rotate", () => {
  it("register refuses a key reference that is not the new wallet's key (exit 1, stable code)", async () => {
    const r = await x402(
      [
        "treasury",
        "rotate",
        "register",
        "--address",
        newPayer.address,
        "--key-ref",
        "env:X402_PAYER_PRIVATE_KEY",
        "--json",
      ],
      shell,
    );
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: "rotation_key_mismatch" } });
    const bad = await x402(
      ["treasury", "rotate", "register", "--address", newPayer.address, "--key-ref", newKey, "--json"],
      shell,
    );
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_rotation_input" } });
  });

  it("register → prove (signed here from the key reference) → status shows what the owner signs → approve", async () => {
    const reg = await x402(
      [
        "treasury",
        "rotate",
        "register",
        "--address",
        newPayer.address,
        "--key-ref",
        "env:NEW_PAYER_KEY",
        "--json",
      ],
      shell,
    );
    expect(reg.code).toBe(0);
    expect(reg.json()).toMatchObject({ state: "registered", newWallet: newPayer.address.toLowerCase() });
    expect((await x402(["treasury", "rotate", "prove", "--json"], shell)).json()).toMatchObject({
      state: "proven",
    });

    const status = (await x402(["treasury", "rotate", "status", "--json"], shell)).json() as {
      open: { nextStep: string; rotation: Parameters<typeof approvalTypedData>[0] & { deadline: string } };
    };
    expect(status.open.nextStep).toBe("approve");
    const rotation = { ...status.open.rotation, deadline: new Date(status.open.rotation.deadline) };
    const signature = await owner.signTypedData(approvalTypedData(rotation, 31337));
    const stranger = await privateKeyToAccount(generatePrivateKey()).signTypedData(
      approvalTypedData(rotation, 31337),
    );
    const refused = await x402(["treasury", "rotate", "approve", "--signature", stranger, "--json"], shell);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: { code: "rotation_approver_not_owner" } });
    const ok = await x402(["treasury", "rotate", "approve", "--signature", signature, "--json"], shell);
    expect(ok.json()).toMatchObject({ state: "approved", approver: owner.address.toLowerCase() });
    const human = await x402(["treasury", "rotate", "status"], shell);
    expect(human.stdout).toContain("Next step: test_payment");
    expect((await x402(["treasury", "rotate", "cancel", "--json"], shell)).json()).toMatchObject({
      state: "cancelled",
    });
  });
});

async function auditActions() {
  return (
    await t.db.$client<{ action: string }[]>`
      SELECT action FROM audit_log WHERE target_type = 'treasury_owner' ORDER BY id`
  ).map((r) => r.action);
}

/** Registers and proves a rotation; returns the approval `signer` makes for it. */
async function provenApprovalBy(signer: typeof owner): Promise<string> {
  const args = ["treasury", "rotate"];
  await x402([...args, "register", "--address", newPayer.address, "--key-ref", "env:NEW_PAYER_KEY"], shell);
  await x402([...args, "prove"], shell);
  const status = (await x402([...args, "status", "--json"], shell)).json() as {
    open: { rotation: Parameters<typeof approvalTypedData>[0] & { deadline: string } };
  };
  const rotation = { ...status.open.rotation, deadline: new Date(status.open.rotation.deadline) };
  return signer.signTypedData(approvalTypedData(rotation, 31337));
}

describe("x402 treasury owners", () => {
  it("refuses bad input (exit 2), a payer (exit 1), and a removal below the quorum, saving nothing", async () => {
    const bad = await x402(["treasury", "owners", "propose-add", "--address", "0x1234", "--json"], shell);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_treasury_owner", field: "address" } });
    const payer = privateKeyToAccount(payerKey).address;
    const refused = await x402(["treasury", "owners", "propose-add", "--address", payer, "--json"], shell);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: { code: "treasury_owner_is_payer", address: payer } });
    const last = await x402(
      ["treasury", "owners", "propose-remove", "--address", owner.address, "--json"],
      shell,
    );
    expect(last.json()).toMatchObject({
      error: { code: "treasury_owner_below_quorum", owners: 1, remaining: 0, quorum: 1 },
    });
    expect(await auditActions()).toEqual(["treasury_owner.initial_set"]);
  });

  it("propose-add → an owner signs → enacted; then a rotation needs both owners (quorum 2)", async () => {
    const proposed = await x402(
      ["treasury", "owners", "propose-add", "--address", consoleOwner.address, "--label", "Ledger", "--json"],
      shell,
    );
    expect(proposed.code).toBe(0);
    const { proposal } = proposed.json() as {
      proposal: { id: string; nonce: string; deadline: string; signed: number; quorum: number };
    };
    expect(proposal).toMatchObject({ signed: 0, quorum: 1 });
    const typed = ownerChangeTypedData(
      {
        action: "add",
        address: consoleOwner.address,
        nonce: proposal.nonce,
        deadline: new Date(proposal.deadline),
      },
      31337,
    );
    // The proposed owner cannot sign its own way in.
    const self = await x402(
      [
        "treasury",
        "owners",
        "sign",
        "--proposal",
        proposal.id,
        "--signature",
        await consoleOwner.signTypedData(typed),
        "--json",
      ],
      shell,
    );
    expect(self.json()).toMatchObject({ error: { code: "owner_change_signer_not_owner" } });
    const signed = await x402(
      [
        "treasury",
        "owners",
        "sign",
        "--proposal",
        proposal.id,
        "--signature",
        await owner.signTypedData(typed),
      ],
      shell,
    );
    expect(signed.stdout).toContain(
      `Signed by ${owner.address}: 1 of 1. Enacted: add ${consoleOwner.address}`,
    );
    const list = await x402(["treasury", "owners", "list", "--json"], shell);
    expect(list.json()).toMatchObject({
      owners: [
        { address: owner.address, source: "env" },
        { address: consoleOwner.address, source: "proposal", label: "Ledger", proposalId: proposal.id },
      ],
      quorum: 2,
    });
    const proposals = await x402(["treasury", "owners", "proposals"], shell);
    expect(proposals.stdout).toContain(`${proposal.id}: add ${consoleOwner.address} — enacted, 1 of 2`);

    const one = await x402(
      ["treasury", "rotate", "approve", "--signature", await provenApprovalBy(consoleOwner)],
      shell,
    );
    expect(one.stdout).toContain(`Signed by ${consoleOwner.address}: 1 of 2 owners; another owner must sign`);
    const two = await x402(
      ["treasury", "rotate", "approve", "--signature", await provenApprovalBy(owner), "--json"],
      shell,
    );
    expect(two.json()).toMatchObject({ state: "approved", signed: 2, quorum: 2 });
    await x402(["treasury", "rotate", "cancel"], shell);
    expect(await auditActions()).toEqual(["treasury_owner.initial_set", "treasury_owner.add"]);
  });
});
