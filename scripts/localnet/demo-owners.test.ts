import { type Address, createWalletClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppEnv, parseEnv } from "@/lib/env";
import { DEMO_WALLET_ACCOUNTS } from "@/lib/payment-core/treasury/demo-wallet";
import { proposeOwnerChange, signOwnerProposal } from "@/lib/payment-core/treasury/owner-proposals";
import { currentOwners, ensureOwnerSet, ownerDeps } from "@/lib/payment-core/treasury/owners";
import { ownerChangeTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { refusal } from "@/lib/testing/refusal";
import { consolePaymentEnv, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";

/*
 * The demo's two treasury owners, as `npm run demo` and the e2e console get them: the local
 * network's console environment names both (quorum 2 by default), they are the mock wallet's two
 * accounts, and anvil signs for each of them over RPC, which is how the browser's demo wallet signs
 * (eth_signTypedData_v4 to the local chain). A real chain and a real PostgreSQL.
 */

let net: LocalNetwork;
let t: TestDatabase;
let config: AppEnv;

beforeAll(async () => {
  [net, t] = await Promise.all([startLocalNetwork(), createTestDatabase()]);
  config = parseEnv(consolePaymentEnv(net));
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

/** A signature as the demo wallet makes it: anvil signs for its unlocked account. */
function signAsDemoAccount(account: Address, typed: ReturnType<typeof ownerChangeTypedData>) {
  const wallet = createWalletClient({ account, transport: http(net.rpcUrl) });
  return wallet.signTypedData(typed);
}

describe("the demo's treasury owners", () => {
  it("are the mock wallet's two accounts, recorded as the initial set with a quorum of two", async () => {
    await truncate(
      t.db,
      "treasury_owner_signatures, treasury_owner_proposals, treasury_owners, settings, audit_log",
    );
    expect(net.owners).toEqual([...DEMO_WALLET_ACCOUNTS]);
    expect(config.treasuryOwners).toEqual([...DEMO_WALLET_ACCOUNTS]);
    expect(config.treasuryQuorum).toBeUndefined();
    expect(await ensureOwnerSet(t.db, config)).toEqual({ owners: [...DEMO_WALLET_ACCOUNTS], quorum: 2 });
  });

  it("one demo owner's signature is not enough; the other's, made by the chain's node, enacts", async () => {
    await truncate(
      t.db,
      "treasury_owner_signatures, treasury_owner_proposals, treasury_owners, settings, audit_log",
    );
    const deps = ownerDeps(t.db, config);
    const newcomer = privateKeyToAccount(generatePrivateKey()).address;
    const p = await proposeOwnerChange(deps, { action: "add", address: newcomer, actor: "admin@demo.local" });
    const typed = ownerChangeTypedData(p, net.chainId);
    const [ownerA, ownerB] = DEMO_WALLET_ACCOUNTS;

    const first = await signOwnerProposal(deps, {
      proposalId: p.id,
      signature: await signAsDemoAccount(ownerA, typed),
      actor: "admin@demo.local",
    });
    expect(first).toMatchObject({ signer: ownerA, signed: 1, quorum: 2, enacted: null });
    expect(await currentOwners(t.db)).toEqual([...DEMO_WALLET_ACCOUNTS]);

    // The same demo account again (the person forgot to switch accounts): the node signs the same
    // bytes (deterministic ECDSA), refused as a replay naming the signer; still one signature.
    const again = await refusal(
      signOwnerProposal(deps, {
        proposalId: p.id,
        signature: await signAsDemoAccount(ownerA, typed),
        actor: "admin@demo.local",
      }),
    );
    expect(again).toMatchObject({ code: "owner_change_replayed", details: { signer: ownerA } });
    expect(await currentOwners(t.db)).toEqual([...DEMO_WALLET_ACCOUNTS]);

    const second = await signOwnerProposal(deps, {
      proposalId: p.id,
      signature: await signAsDemoAccount(ownerB, typed),
      actor: "admin@demo.local",
    });
    expect(second).toMatchObject({ signer: ownerB, signed: 2, quorum: 2 });
    expect(second.enacted).not.toBeNull();
    expect(await currentOwners(t.db)).toEqual([...DEMO_WALLET_ACCOUNTS, newcomer]);
  });
});
