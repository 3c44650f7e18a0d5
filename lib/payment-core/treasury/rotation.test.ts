import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex, PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateAlerts } from "@/lib/payment-core/alerts";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import type { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { defaultAlertsEnv } from "@/lib/payment-core/support/config";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { refusal } from "@/lib/testing/refusal";
import { proposeOwnerChange, signOwnerProposal } from "./owner-proposals";
import { ensureOwnerSet, type OwnerConfig } from "./owners";
import { readActivePayer } from "./payer-wallet";
import {
  lastRotationAgeDays,
  openRotation,
  proveRotation,
  type RotationDeps,
  registerRotation,
  signProof,
} from "./rotation";
import { approveRotation } from "./rotation-approval";
import { approvalTypedData, ownerChangeTypedData, proofTypedData } from "./rotation-messages";
import { cancelRotation } from "./rotation-money";
import { rotationStatus } from "./rotation-status";

/*
 * Register, prove and approve against a real PostgreSQL; the signatures are real secp256k1
 * EIP-712 signatures made with viem. No chain is needed until money moves (rotation-flow.test.ts).
 */

const CHAIN_ID = 31337;
const ACTOR = "owner@demo.local";
const envKey = generatePrivateKey();
const newKey = generatePrivateKey();
const ownerKey = generatePrivateKey();
const strangerKey = generatePrivateKey();
const owner = privateKeyToAccount(ownerKey);
const stranger = privateKeyToAccount(strangerKey);
const oldPayer = privateKeyToAccount(envKey);
const newPayer = privateKeyToAccount(newKey);

let t: TestDatabase;
/** X402_TREASURY_OWNERS (recorded once, per test) and X402_TREASURY_QUORUM. */
let ownerConfig: OwnerConfig = { treasuryOwners: [] };
let clock = new Date("2026-11-30T12:00:00.000Z");
const environment: Record<string, string> = { X402_PAYER_PRIVATE_KEY: envKey, NEW_PAYER_KEY: newKey };

const deps = (): RotationDeps => ({
  db: t.db,
  now: () => clock,
  publicClient: undefined as unknown as PublicClient,
  rpcUrl: "http://127.0.0.1:1",
  chainId: CHAIN_ID,
  network: `eip155:${CHAIN_ID}`,
  usdcAddress: "0x0000000000000000000000000000000000000001",
  usdcName: "USD Coin",
  usdcVersion: "2",
  // The app's own resolution: the recorded owners (X402_TREASURY_OWNERS the first time), read per approval.
  ownerSet: () => ensureOwnerSet(t.db, ownerConfig),
  envKey,
  environment,
  engine: undefined as unknown as BudgetEngine,
  payerFor: () => {
    throw new Error("no payment in these tests");
  },
});

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());
beforeEach(async () => {
  clock = new Date("2026-11-30T12:00:00.000Z");
  ownerConfig = { treasuryOwners: [owner.address] };
  await truncate(
    t.db,
    "payer_rotation_approvals, payer_rotations, wallets, audit_log, treasury_owner_signatures, treasury_owner_proposals, treasury_owners, settings",
  );
});

const register = (over: Partial<{ newAddress: string; keyRef: string }> = {}) =>
  registerRotation(deps(), {
    newAddress: newPayer.address,
    keyRef: "env:NEW_PAYER_KEY",
    actor: ACTOR,
    ...over,
  });

async function proven() {
  const r = await register();
  return proveRotation(deps(), { rotationId: r.id, signature: await signProof(deps(), r.id), actor: ACTOR });
}

const approvalBy = (signer: typeof owner, r: Awaited<ReturnType<typeof proven>>, chainId = CHAIN_ID) =>
  signer.signTypedData(approvalTypedData(r, chainId));

async function audits() {
  return (await t.db.$client<{ action: string }[]>`SELECT action FROM audit_log ORDER BY id`).map(
    (a) => a.action,
  );
}

describe("register", () => {
  it("refuses a key reference whose key is another wallet's, and stores nothing", async () => {
    const out = await refusal(register({ keyRef: "env:X402_PAYER_PRIVATE_KEY" }));
    expect(out.code).toBe("rotation_key_mismatch");
    expect(out.details).toMatchObject({ newAddress: newPayer.address, derived: oldPayer.address });
    expect(await openRotation(t.db)).toBeNull();
    expect(await audits()).toEqual([]);
  });

  it.each([
    ["a raw key instead of a reference", newKey],
    ["a relative file path", "file:keys/payer.txt"],
    ["a lower-case variable name", "env:new_payer_key"],
    ["another scheme", "vault:secret/payer"],
  ])("refuses %s as key reference", async (_name, keyRef) => {
    expect(await refusal(register({ keyRef }))).toMatchObject({
      code: "invalid_rotation_input",
      details: { field: "keyRef" },
    });
    expect(await openRotation(t.db)).toBeNull();
  });

  it("refuses a reference that holds nothing, naming the reference only", async () => {
    const out = await refusal(register({ keyRef: "env:MISSING_KEY" }));
    expect(out).toEqual({ code: "key_ref_unresolved", details: { keyRef: "env:MISSING_KEY" } });
  });

  it("refuses the current payer as the new wallet", async () => {
    const out = await refusal(
      register({ newAddress: oldPayer.address, keyRef: "env:X402_PAYER_PRIVATE_KEY" }),
    );
    expect(out.code).toBe("rotation_same_wallet");
  });

  it("accepts a file: reference, registers the env payer as the old wallet, and keeps one open rotation", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rotation-"));
    await writeFile(join(dir, "payer.key"), `${newKey}\n`);
    const r = await register({ keyRef: `file:${join(dir, "payer.key")}` });
    expect(r).toMatchObject({
      state: "registered",
      oldWallet: oldPayer.address.toLowerCase(),
      newWallet: newPayer.address.toLowerCase(),
    });
    expect(r.deadline.toISOString()).toBe("2026-12-01T12:00:00.000Z");
    const rows = await t.db.$client`SELECT address, active, key_ref FROM wallets ORDER BY active DESC`;
    expect(rows).toEqual([
      { address: oldPayer.address.toLowerCase(), active: true, key_ref: "env:X402_PAYER_PRIVATE_KEY" },
      { address: newPayer.address.toLowerCase(), active: false, key_ref: `file:${join(dir, "payer.key")}` },
    ]);
    // The key never reaches the database.
    const dump = JSON.stringify(
      await t.db.$client`SELECT w.*, r.*, a.before, a.after FROM wallets w, payer_rotations r, audit_log a`,
    );
    expect(dump).not.toContain(newKey.slice(2));
    expect((await refusal(register())).code).toBe("rotation_in_progress");
    // The database refuses a second open rotation even if the check above were skipped.
    await expect(
      t.db
        .$client`INSERT INTO payer_rotations (id, old_wallet, new_wallet, nonce, deadline, network, created_by)
        VALUES ('rot_x', ${r.oldWallet}, ${r.newWallet}, '0x01', now(), 'n', 'x')`,
    ).rejects.toThrow(/payer_rotations_one_open/);
    expect(await audits()).toEqual(["payer_rotation.registered"]);
    // The payment path still signs with the old key until the rotation completes.
    expect((await readActivePayer(t.db, envKey, environment))?.address).toBe(oldPayer.address);
  });
});

describe("prove", () => {
  it("refuses a proof signed by any key but the new wallet's", async () => {
    const r = await register();
    const forged = await stranger.signTypedData(proofTypedData(r, CHAIN_ID));
    const out = await refusal(proveRotation(deps(), { rotationId: r.id, signature: forged, actor: ACTOR }));
    expect(out).toEqual({
      code: "rotation_proof_invalid",
      details: { expectedSigner: newPayer.address, recoveredSigner: stranger.address },
    });
    expect((await openRotation(t.db))?.state).toBe("registered");
  });

  it("accepts the new wallet's signature (server-made from the key reference) once", async () => {
    const registered = await register();
    // What a reloaded page reads: the step, and the exact message the new wallet must sign.
    const status = await rotationStatus(t.db, CHAIN_ID, clock);
    expect(status.open?.nextStep).toBe("prove");
    expect(status.open?.toSign).toMatchObject({
      domain: { name: "x402 treasury", version: "1", chainId: CHAIN_ID },
      primaryType: "ProvePayerControl",
      message: { wallet: newPayer.address, rotationId: registered.id, nonce: registered.nonce },
    });
    const r = await proveRotation(deps(), {
      rotationId: registered.id,
      signature: await signProof(deps(), registered.id),
      actor: ACTOR,
    });
    const next = await rotationStatus(t.db, CHAIN_ID, clock);
    expect(next.open?.nextStep).toBe("approve");
    expect(next.open?.toSign?.primaryType).toBe("RotatePayerWallet");
    expect(r.state).toBe("proven");
    const again = await refusal(
      proveRotation(deps(), { rotationId: r.id, signature: r.proofSignature as Hex, actor: ACTOR }),
    );
    expect(again).toMatchObject({
      code: "rotation_wrong_state",
      details: { state: "proven", expected: "registered" },
    });
  });
});

describe("approve: hostile signatures first", () => {
  it("refuses a non-owner's signature with the recovered signer", async () => {
    const r = await proven();
    const out = await refusal(
      approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(stranger, r), actor: ACTOR }),
    );
    expect(out).toEqual({
      code: "rotation_approver_not_owner",
      details: { recoveredSigner: stranger.address, owners: [owner.address] },
    });
    expect((await openRotation(t.db))?.state).toBe("proven");
  });

  it("refuses an owner's signature made for another chain, naming both chain ids", async () => {
    const r = await proven();
    const out = await refusal(
      approveRotation(deps(), {
        rotationId: r.id,
        signature: await approvalBy(owner, r, 8453),
        actor: ACTOR,
      }),
    );
    expect(out).toEqual({
      code: "rotation_approval_wrong_chain",
      details: { expectedChainId: CHAIN_ID, signedChainId: 8453, recoveredSigner: owner.address },
    });
  });

  it("refuses an owner's signature after the deadline, with the deadline and now", async () => {
    const r = await proven();
    const sig = await approvalBy(owner, r);
    clock = new Date(r.deadline.getTime() + 1_000);
    const out = await refusal(approveRotation(deps(), { rotationId: r.id, signature: sig, actor: ACTOR }));
    expect(out).toEqual({
      code: "rotation_approval_expired",
      details: { deadline: "2026-12-01T12:00:00.000Z", now: "2026-12-01T12:00:01.000Z" },
    });
  });

  it("refuses an owner's signature over other values (another deadline)", async () => {
    const r = await proven();
    const sig = await owner.signTypedData(
      approvalTypedData({ ...r, deadline: new Date(r.deadline.getTime() + 86_400_000) }, CHAIN_ID),
    );
    expect(
      (await refusal(approveRotation(deps(), { rotationId: r.id, signature: sig, actor: ACTOR }))).code,
    ).toBe("rotation_approver_not_owner");
  });

  it("refuses a replayed approval: on the same rotation, and on the next rotation", async () => {
    const r = await proven();
    const sig = await approvalBy(owner, r);
    const ok = await approveRotation(deps(), { rotationId: r.id, signature: sig, actor: ACTOR });
    expect(ok).toMatchObject({ state: "approved", approver: owner.address.toLowerCase() });
    const same = await refusal(approveRotation(deps(), { rotationId: r.id, signature: sig, actor: ACTOR }));
    expect(same).toEqual({ code: "rotation_approval_replayed", details: { usedBy: r.id } });
    await cancelRotation(deps(), { rotationId: r.id, actor: ACTOR });
    const next = await proven();
    const replay = await refusal(
      approveRotation(deps(), { rotationId: next.id, signature: sig, actor: ACTOR }),
    );
    expect(replay.code).toBe("rotation_approval_replayed");
    expect((await openRotation(t.db))?.state).toBe("proven");
  });

  it("refuses approval before the new wallet proved control, and garbage signatures", async () => {
    const r = await register();
    const early = await refusal(
      approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(owner, r), actor: ACTOR }),
    );
    expect(early).toMatchObject({
      code: "rotation_wrong_state",
      details: { state: "registered", expected: "proven" },
    });
    expect(
      (await refusal(approveRotation(deps(), { rotationId: r.id, signature: "0x1234", actor: ACTOR }))).code,
    ).toBe("invalid_rotation_input");
  });

  it("writes one audit row per step, in order", async () => {
    const r = await proven();
    await approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(owner, r), actor: ACTOR });
    expect(await audits()).toEqual([
      "payer_rotation.registered",
      "payer_rotation.proven",
      "treasury_owner.initial_set",
      "payer_rotation.approval_signed",
      "payer_rotation.approved",
    ]);
    expect(await lastRotationAgeDays(t.db, clock)).toBe(0);
  });
});

describe("approve: a quorum of owners (X402_TREASURY_QUORUM, default 2 with two owners)", () => {
  const second = privateKeyToAccount(generatePrivateKey());
  const admin = privateKeyToAccount(generatePrivateKey());

  it("one owner's signature leaves it proven (1 of 2); the admin's own wallet and the same owner again are refused", async () => {
    ownerConfig = { treasuryOwners: [owner.address, second.address] };
    const r = await proven();
    const one = await approveRotation(deps(), {
      rotationId: r.id,
      signature: await approvalBy(owner, r),
      actor: ACTOR,
    });
    expect(one).toMatchObject({ state: "proven", signed: 1, quorum: 2, signer: owner.address });
    // The attack: an admin signs with a wallet they hold, which is no owner.
    expect(
      await refusal(
        approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(admin, r), actor: ACTOR }),
      ),
    ).toEqual({
      code: "rotation_approver_not_owner",
      details: { recoveredSigner: admin.address, owners: [owner.address, second.address] },
    });
    // The same owner's signature in its other encoding (v 0/1 instead of 27/28): same signer, new bytes.
    const sig = await approvalBy(owner, r);
    const v = Number.parseInt(sig.slice(130), 16);
    const alt = `${sig.slice(0, 130)}${(v - 27).toString(16).padStart(2, "0")}`;
    expect(
      await refusal(approveRotation(deps(), { rotationId: r.id, signature: alt, actor: ACTOR })),
    ).toMatchObject({
      code: "rotation_approval_duplicate_signer",
      details: { rotationId: r.id, signer: owner.address },
    });
    expect((await openRotation(t.db))?.state).toBe("proven");
    const status = await rotationStatus(t.db, CHAIN_ID, clock);
    expect(status.open?.approvals.map((a) => a.signer)).toEqual([owner.address]);

    const two = await approveRotation(deps(), {
      rotationId: r.id,
      signature: await approvalBy(second, r),
      actor: "second@demo.local",
    });
    expect(two).toMatchObject({
      state: "approved",
      signed: 2,
      quorum: 2,
      approver: second.address.toLowerCase(),
    });
    const rows = await t.db.$client<{ action: string; actor: string; after: { signer?: string } }[]>`
      SELECT action, actor, after FROM audit_log WHERE target_type = 'payer_rotation' ORDER BY id`;
    expect(rows.map((a) => [a.action, a.actor, a.after.signer ?? null])).toEqual([
      ["payer_rotation.registered", ACTOR, null],
      ["payer_rotation.proven", ACTOR, null],
      ["payer_rotation.approval_signed", ACTOR, owner.address],
      ["payer_rotation.approval_signed", "second@demo.local", second.address],
      ["payer_rotation.approved", "second@demo.local", null],
    ]);
  });

  it("an admin cannot make their wallet an owner and approve alone: the proposal needs the owners", async () => {
    ownerConfig = { treasuryOwners: [owner.address, second.address] };
    const od = { db: t.db, config: ownerConfig, chainId: CHAIN_ID, now: () => clock };
    const p = await proposeOwnerChange(od, {
      action: "add",
      address: admin.address,
      actor: "admin@demo.local",
    });
    const r = await proven();
    expect(
      (
        await refusal(
          approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(admin, r), actor: ACTOR }),
        )
      ).code,
    ).toBe("rotation_approver_not_owner");
    // Only once both owners signed the proposal does the admin's wallet count, and then as one of two.
    for (const who of [owner, second]) {
      await signOwnerProposal(od, {
        proposalId: p.id,
        signature: await who.signTypedData(ownerChangeTypedData(p, CHAIN_ID)),
        actor: "admin@demo.local",
      });
    }
    const one = await approveRotation(deps(), {
      rotationId: r.id,
      signature: await approvalBy(admin, r),
      actor: ACTOR,
    });
    expect(one).toMatchObject({ state: "proven", signed: 1, quorum: 2 });
  });

  it("a signature from an owner removed since it was given no longer counts toward the quorum", async () => {
    const third = privateKeyToAccount(generatePrivateKey());
    ownerConfig = { treasuryOwners: [owner.address, second.address, third.address] };
    const od = { db: t.db, config: ownerConfig, chainId: CHAIN_ID, now: () => clock };
    const r = await proven();
    await approveRotation(deps(), { rotationId: r.id, signature: await approvalBy(third, r), actor: ACTOR });
    const p = await proposeOwnerChange(od, {
      action: "remove",
      address: third.address,
      actor: "admin@demo.local",
    });
    for (const who of [owner, second]) {
      await signOwnerProposal(od, {
        proposalId: p.id,
        signature: await who.signTypedData(ownerChangeTypedData(p, CHAIN_ID)),
        actor: "admin@demo.local",
      });
    }
    const out = await approveRotation(deps(), {
      rotationId: r.id,
      signature: await approvalBy(owner, r),
      actor: ACTOR,
    });
    expect(out).toMatchObject({ state: "proven", signed: 1, quorum: 2 });
  });
});

describe("alert: payer key older than 90 days", () => {
  const config = { budget: defaultBudgetConfig(), alerts: defaultAlertsEnv() };
  const evaluate = () => evaluateAlerts(t.db, { config, clock: () => clock });
  const keyAlerts = async () =>
    t.db.$client<{ resolved: boolean; figures: Record<string, number> }[]>`
      SELECT resolved_at IS NOT NULL AS resolved, figures FROM alerts WHERE kind = 'payer_key_old' ORDER BY id`;

  it("is raised on day 91 after the last completed rotation and resolved by the next rotation", async () => {
    await t.db.$client`TRUNCATE alerts CASCADE`;
    // An env key never rotated has no known age: nothing is raised.
    await evaluate();
    expect(await keyAlerts()).toEqual([]);
    const r = await proven();
    await t.db.$client`
      UPDATE payer_rotations SET state = 'completed', completed_at = ${new Date(clock.getTime() - 90 * 86_400_000).toISOString()}::timestamptz WHERE id = ${r.id}`;
    await evaluate();
    expect(await keyAlerts()).toEqual([]);
    clock = new Date(clock.getTime() + 86_400_000);
    await evaluate();
    expect(await keyAlerts()).toEqual([{ resolved: false, figures: { ageDays: 91, maxAgeDays: 90 } }]);
    await t.db
      .$client`UPDATE payer_rotations SET completed_at = ${clock.toISOString()}::timestamptz WHERE id = ${r.id}`;
    await evaluate();
    expect(await keyAlerts()).toEqual([{ resolved: true, figures: { ageDays: 91, maxAgeDays: 90 } }]);
  });
});
