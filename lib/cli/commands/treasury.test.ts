import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { approvalTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

// In-process, each command parses its environment afresh (as cli.test.ts explains).
vi.mock("@/lib/env", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/env")>();
  return { ...actual, env: () => actual.parseEnv(process.env) };
});

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
  it("refuses bad input (exit 2), a payer (exit 1), and an env owner's removal, saving nothing", async () => {
    const bad = await x402(["treasury", "owners", "add", "--address", "0x1234", "--json"], shell);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_treasury_owner", field: "address" } });
    const payer = privateKeyToAccount(payerKey).address;
    const refused = await x402(["treasury", "owners", "add", "--address", payer, "--json"], shell);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: { code: "treasury_owner_is_payer", address: payer } });
    const env = await x402(["treasury", "owners", "remove", "--address", owner.address, "--json"], shell);
    expect(env.json()).toMatchObject({ error: { code: "treasury_owner_from_env" } });
    expect(await auditActions()).toEqual([]);
  });

  it("add → list → an approval by the new owner counts at once → remove → its approval is refused", async () => {
    const add = await x402(
      ["treasury", "owners", "add", "--address", consoleOwner.address.toLowerCase(), "--label", "Ledger"],
      shell,
    );
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`Added ${consoleOwner.address} "Ledger" [console]`);
    const dup = await x402(["treasury", "owners", "add", "--address", consoleOwner.address, "--json"], shell);
    expect(dup.json()).toMatchObject({ error: { code: "treasury_owner_exists", source: "console" } });

    const list = await x402(["treasury", "owners", "list", "--json"], shell);
    expect(list.json()).toMatchObject({
      owners: [
        { address: owner.address, source: "env", label: null },
        { address: consoleOwner.address, source: "console", label: "Ledger", addedBy: expect.any(String) },
      ],
    });

    const ok = await x402(
      ["treasury", "rotate", "approve", "--signature", await provenApprovalBy(consoleOwner), "--json"],
      shell,
    );
    expect(ok.json()).toMatchObject({ state: "approved", approver: consoleOwner.address.toLowerCase() });
    await x402(["treasury", "rotate", "cancel"], shell);

    const removed = await x402(["treasury", "owners", "remove", "--address", consoleOwner.address], shell);
    expect(removed.stdout).toContain(`Removed ${consoleOwner.address}`);
    const refused = await x402(
      ["treasury", "rotate", "approve", "--signature", await provenApprovalBy(consoleOwner), "--json"],
      shell,
    );
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({
      error: { code: "rotation_approver_not_owner", owners: [owner.address] },
    });
    const byEnv = await x402(
      ["treasury", "rotate", "approve", "--signature", await provenApprovalBy(owner), "--json"],
      shell,
    );
    // The same open rotation (register and prove were refused as it stands proven): the env owner approves.
    expect(byEnv.json()).toMatchObject({ state: "approved", approver: owner.address.toLowerCase() });
    await x402(["treasury", "rotate", "cancel"], shell);
    expect((await x402(["treasury", "owners", "list"], shell)).stdout).toBe(
      `${owner.address} [env] (X402_TREASURY_OWNERS)\n`,
    );
    expect(await auditActions()).toEqual(["treasury_owner.add", "treasury_owner.remove"]);
  });
});
