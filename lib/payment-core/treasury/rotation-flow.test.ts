import { type Address, createTestClient, createWalletClient, erc20Abi, type Hex, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type HostileVendor, startHostileVendor } from "@/lib/testing/hostile-vendor";
import { refusal } from "@/lib/testing/refusal";
import { type LocalNetwork, localChain, startLocalNetwork } from "@/scripts/localnet";
import { currentPayerAddress, readActivePayer } from "./payer-wallet";
import {
  lastRotationAgeDays,
  listRotations,
  openRotation,
  proveRotation,
  type RotationDeps,
  registerRotation,
  signProof,
} from "./rotation";
import { approveRotation } from "./rotation-approval";
import { rotationDeps } from "./rotation-deps";
import { approvalTypedData } from "./rotation-messages";
import { completeRotation, sweepRotation, testPayment } from "./rotation-money";

/*
 * The whole rotation against a real PostgreSQL, a real anvil chain, Circle's USDC, the local
 * facilitator and the demo vendors; one network for the file. The payment path is the app's own
 * (createPaymentService), so "the next payment comes from the new wallet" is what the API does.
 */

const ACTOR = "owner@demo.local";
/** Anvil's well-known account #4, the local network's funding wallet. Public test key. */
const FUNDER_KEY: Hex = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const newKey = generatePrivateKey();
const newPayer = privateKeyToAccount(newKey);
const owner = privateKeyToAccount(generatePrivateKey());
const environment: Record<string, string> = {};

let t: TestDatabase;
let net: LocalNetwork;
let hostile: HostileVendor;
let service: PaymentService;
let deps: RotationDeps;
let oldPayer: Address;

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  hostile = await startHostileVendor(net);
  oldPayer = net.payer.address;
  Object.assign(environment, { NEW_PAYER_KEY: newKey });
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_TREASURY_OWNERS: owner.address,
    X402_PAY_MAX_RETRIES: "0",
    X402_ALLOWED_PRIVATE_HOSTS: `${new URL(net.vendorUrl).host},${new URL(hostile.url).host}`,
  });
  // The env keys of the wallets live in process.env for the service's key source (env: references).
  process.env.NEW_PAYER_KEY = newKey;
  service = createPaymentService(t.db, env);
  // The app's own wiring; only the `env:` references read this test's map instead of process.env.
  deps = { ...rotationDeps(t.db, env, env, service), environment };
});

afterAll(async () => {
  delete process.env.NEW_PAYER_KEY;
  await hostile?.stop();
  await net?.stop();
  await t?.drop();
});

const pay = (url: string, key: string) =>
  service.payer?.payForService({ agentId: "builder_agent", url, idempotencyKey: key }) ??
  Promise.reject(new Error("no payer"));

async function ledger(id: string) {
  const [row] = await t.db.$client<{ status: string; payer: string | null }[]>`
    SELECT status, payer FROM transactions WHERE id = ${id}`;
  if (!row) throw new Error(`no ledger row ${id}`);
  return row;
}

describe("payer-key rotation, end to end on the local chain", () => {
  it("rotates: old authorizations resolved, USDC swept, next payment from the new wallet, old key refused", async () => {
    // Before: the env key pays.
    const before = await pay(`${net.vendorUrl}/search`, "before-rotation");
    expect(before.ok && before.paid).toBe(true);
    if (!before.ok || !before.paid) return;
    expect((await ledger(before.transactionId)).payer?.toLowerCase()).toBe(oldPayer.toLowerCase());

    // An authorization the old wallet signed that a vendor kept and never settled: it is open.
    const held = await pay(`${hostile.url}/fail?amount=10000&timeout=300`, "held-authorization");
    expect(held.ok).toBe(false);
    const heldId = held.ok ? "" : (held.transactionId as string);
    expect((await ledger(heldId)).status).toBe("authorized");

    const r0 = await registerRotation(deps, {
      newAddress: newPayer.address,
      keyRef: "env:NEW_PAYER_KEY",
      actor: ACTOR,
    });
    // A reload mid-flow finds the rotation where it stands.
    expect((await openRotation(t.db))?.id).toBe(r0.id);
    await proveRotation(deps, { rotationId: r0.id, signature: await signProof(deps, r0.id), actor: ACTOR });
    const proven = await openRotation(t.db);
    expect(proven?.state).toBe("proven");
    if (!proven) return;
    const approval = await owner.signTypedData(approvalTypedData(proven, net.chainId));
    await approveRotation(deps, { rotationId: r0.id, signature: approval, actor: ACTOR });

    // The test payment needs USDC in the new wallet: refused, with the figure, until it has some.
    const unfunded = await refusal(
      testPayment(deps, {
        rotationId: r0.id,
        agentId: "builder_agent",
        url: `${net.vendorUrl}/search`,
        actor: ACTOR,
      }),
    );
    expect(unfunded).toEqual({
      code: "rotation_new_wallet_unfunded",
      details: { wallet: newPayer.address, balanceMicro: "0" },
    });
    const funder = createWalletClient({
      account: privateKeyToAccount(FUNDER_KEY),
      transport: http(net.rpcUrl),
    });
    const fundHash = await funder.writeContract({
      address: net.usdcAddress,
      abi: erc20Abi,
      functionName: "transfer",
      args: [newPayer.address, 1_000_000n],
      chain: null,
    });
    await net.usdc.client.waitForTransactionReceipt({ hash: fundHash, pollingInterval: 50 });

    const paid = await testPayment(deps, {
      rotationId: r0.id,
      agentId: "builder_agent",
      url: `${net.vendorUrl}/search`,
      actor: ACTOR,
    });
    expect(paid.state).toBe("test_paid");
    const testRow = await ledger(paid.testPaymentTxId as string);
    expect(testRow).toEqual({ status: "completed", payer: newPayer.address });
    expect(await net.usdc.balanceOf(newPayer.address)).toBe(1_000_000n - 10_000n);

    // The sweep refuses while the old wallet's authorization cannot be cancelled (no gas for it).
    const testClient = createTestClient({
      mode: "anvil",
      chain: localChain(net.rpcUrl, net.chainId),
      transport: http(net.rpcUrl),
    });
    const gas = await net.usdc.client.getBalance({ address: oldPayer });
    await testClient.setBalance({ address: oldPayer, value: 0n });
    const blocked = await refusal(sweepRotation(deps, { rotationId: r0.id, actor: ACTOR }));
    expect(blocked).toEqual({
      code: "rotation_open_authorizations",
      details: { count: 1, transactionIds: [heldId] },
    });
    expect((await openRotation(t.db))?.state).toBe("test_paid");
    await testClient.setBalance({ address: oldPayer, value: gas });

    const oldBalance = await net.usdc.balanceOf(oldPayer);
    const newBefore = await net.usdc.balanceOf(newPayer.address);
    const swept = await sweepRotation(deps, { rotationId: r0.id, actor: ACTOR });
    expect((await ledger(heldId)).status).toBe("cancelled");
    expect(swept).toMatchObject({ state: "swept", sweepAmountMicro: oldBalance });
    expect(await net.usdc.balanceOf(oldPayer)).toBe(0n);
    expect(await net.usdc.balanceOf(newPayer.address)).toBe(newBefore + oldBalance);
    const receipt = await net.usdc.client.getTransactionReceipt({ hash: swept.sweepTxHash as Hex });
    expect(receipt.status).toBe("success");
    // A payment between sweep and completion must not be signed by the new wallet yet.
    expect((await readActivePayer(t.db, net.payer.privateKey, environment))?.address).toBe(oldPayer);

    const done = await completeRotation(deps, { rotationId: r0.id, actor: ACTOR });
    expect(done.state).toBe("completed");
    expect(await openRotation(t.db)).toBeNull();

    // No restart: the same service's next payment is signed by the new wallet.
    const after = await pay(`${net.vendorUrl}/search`, "after-rotation");
    expect(after.ok && after.paid).toBe(true);
    if (!after.ok || !after.paid) return;
    expect(await ledger(after.transactionId)).toEqual({ status: "completed", payer: newPayer.address });
    expect((await service.getWalletBalance()).address).toBe(newPayer.address);
    // Everything that names the payer names the new wallet, though the env still names the old one.
    expect(await currentPayerAddress(t.db, oldPayer)).toBe(newPayer.address);

    // The old key is retired: with the wallet row gone inactive, the env key alone signs nothing.
    await t.db.$client`UPDATE wallets SET active = false WHERE address = ${newPayer.address.toLowerCase()}`;
    const refused = await refusal(readActivePayer(t.db, net.payer.privateKey, environment));
    expect(refused.code).toBe("payer_retired");
    await t.db.$client`UPDATE wallets SET active = true WHERE address = ${newPayer.address.toLowerCase()}`;
    const reRegister = await refusal(
      registerRotation(deps, { newAddress: oldPayer, keyRef: "env:X402_PAYER_PRIVATE_KEY", actor: ACTOR }),
    );
    expect(reRegister.code).toBe("rotation_wallet_retired");

    const audit = await t.db.$client<{ action: string }[]>`
      SELECT action FROM audit_log WHERE target_type = 'payer_rotation' ORDER BY id`;
    expect(audit.map((a) => a.action)).toEqual([
      "payer_rotation.registered",
      "payer_rotation.proven",
      "payer_rotation.approval_signed",
      "payer_rotation.approved",
      "payer_rotation.test_paid",
      // The first sweep stopped on the open authorization: the gate closed, then opened again.
      "payer_rotation.sweep_started",
      "payer_rotation.sweep_stopped",
      "payer_rotation.sweep_started",
      "payer_rotation.sweep_signed",
      "payer_rotation.gas_moved",
      "payer_rotation.swept",
      "payer_rotation.completed",
    ]);
    expect((await listRotations(t.db)).map((r) => r.state)).toEqual(["completed"]);
    expect(await lastRotationAgeDays(t.db)).toBe(0);
  });
});
