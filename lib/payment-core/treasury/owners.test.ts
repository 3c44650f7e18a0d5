import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { wallets } from "@/db/schema";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { refusal } from "@/lib/testing/refusal";
import { listProposals, type ProposalRow, proposeOwnerChange, signOwnerProposal } from "./owner-proposals";
import {
  currentOwners,
  listOwners,
  type OwnerConfig,
  type OwnerDeps,
  readOwnerSet,
  recordInitialOwners,
  removedOwners,
} from "./owners";
import { ownerChangeTypedData } from "./rotation-messages";

/*
 * Treasury owners as a quorum, against a real PostgreSQL with real EIP-712 signatures (viem local
 * accounts). The attacker is a console admin: they can propose, and nothing they do alone changes the set.
 */

const ADMIN = "admin@demo.local";
const CHAIN_ID = 31337;
const alice = privateKeyToAccount(generatePrivateKey());
const bob = privateKeyToAccount(generatePrivateKey());
const carol = privateKeyToAccount(generatePrivateKey());
const attacker = privateKeyToAccount(generatePrivateKey());
const envPayer = privateKeyToAccount(generatePrivateKey()).address;

let t: TestDatabase;
let clock = new Date("2026-12-01T12:00:00.000Z");
let config: OwnerConfig = { treasuryOwners: [alice.address, bob.address] };
const deps = (over: Partial<OwnerDeps> = {}): OwnerDeps => ({
  db: t.db,
  config,
  envPayer,
  chainId: CHAIN_ID,
  now: () => clock,
  ...over,
});

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());
beforeEach(async () => {
  clock = new Date("2026-12-01T12:00:00.000Z");
  config = { treasuryOwners: [alice.address, bob.address] };
  await truncate(
    t.db,
    "treasury_owner_signatures, treasury_owner_proposals, treasury_owners, settings, payer_rotations, wallets, audit_log",
  );
});

async function audits() {
  return t.db.$client<{ action: string; actor: string; target_id: string | null }[]>`
    SELECT action, actor, target_id FROM audit_log ORDER BY id`;
}
const sign = (who: typeof alice, p: ProposalRow, chainId = CHAIN_ID) =>
  who.signTypedData(ownerChangeTypedData(p, chainId));
const propose = (action: "add" | "remove", address: string, label?: string) =>
  proposeOwnerChange(deps(), { action, address, label, actor: ADMIN });
const submit = (p: ProposalRow, signature: string, actor = ADMIN) =>
  signOwnerProposal(deps(), { proposalId: p.id, signature, actor });

describe("X402_TREASURY_OWNERS is the initial set, recorded once", () => {
  it("records the env owners once; a changed variable changes nothing and says so", async () => {
    expect(await recordInitialOwners(t.db, config, clock)).toEqual({ recorded: true, warning: null });
    expect(await readOwnerSet(t.db, config)).toEqual({ owners: [alice.address, bob.address], quorum: 2 });
    // The attacker edits the environment (adds their own wallet, drops bob) and restarts.
    const edited = { treasuryOwners: [alice.address, attacker.address] };
    const again = await recordInitialOwners(t.db, edited, clock);
    expect(again.recorded).toBe(false);
    expect(again.warning).toMatch(/X402_TREASURY_OWNERS .* differs from the recorded treasury owners/);
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
    expect(await listOwners(t.db)).toMatchObject([
      { address: alice.address, source: "env", addedBy: "X402_TREASURY_OWNERS" },
      { address: bob.address, source: "env" },
    ]);
    expect((await audits()).map((a) => a.action)).toEqual(["treasury_owner.initial_set"]);
  });

  it("two processes starting at once record the set once", async () => {
    const outs = await Promise.all([
      recordInitialOwners(t.db, config, clock),
      recordInitialOwners(t.db, config, clock),
    ]);
    expect(outs.map((o) => o.recorded).sort()).toEqual([false, true]);
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
  });

  it("an empty variable records nothing, so a later start with owners still sets the initial set", async () => {
    expect(await recordInitialOwners(t.db, { treasuryOwners: [] }, clock)).toEqual({
      recorded: false,
      warning: null,
    });
    expect(await currentOwners(t.db)).toEqual([]);
    config = { treasuryOwners: [] };
    expect(await refusal(propose("add", carol.address))).toEqual({
      code: "treasury_no_owners",
      details: { owners: 0 },
    });
    config = { treasuryOwners: [alice.address, bob.address] };
    expect((await recordInitialOwners(t.db, config, clock)).recorded).toBe(true);
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
  });

  it("the default quorum is 2 with two owners or more, else 1; X402_TREASURY_QUORUM overrides it", async () => {
    await recordInitialOwners(t.db, { treasuryOwners: [alice.address] }, clock);
    expect(await readOwnerSet(t.db, { treasuryOwners: [] })).toEqual({ owners: [alice.address], quorum: 1 });
    expect((await readOwnerSet(t.db, { treasuryOwners: [], treasuryQuorum: 3 })).quorum).toBe(3);
  });
});

describe("adding an owner: an admin alone cannot", () => {
  it("a proposal and one owner's signature change nothing when the quorum is 2; the second owner's enacts", async () => {
    const p = await propose("add", attacker.address, "mine");
    expect(p).toMatchObject({ action: "add", state: "open", proposedBy: ADMIN });
    // The admin cannot sign as an owner: their own wallet is a stranger.
    expect(await refusal(submit(p, await sign(attacker, p)))).toMatchObject({
      code: "owner_change_signer_not_owner",
      details: { recoveredSigner: attacker.address, owners: [alice.address, bob.address] },
    });
    const first = await submit(p, await sign(alice, p), "alice@demo.local");
    expect(first).toMatchObject({ signer: alice.address, signed: 1, quorum: 2, enacted: null });
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
    expect((await listProposals(t.db, config, CHAIN_ID, clock))[0]).toMatchObject({
      id: p.id,
      status: "open",
      signed: 1,
      quorum: 2,
      signatures: [{ signer: alice.address, submittedBy: "alice@demo.local" }],
      toSign: { primaryType: "ChangeTreasuryOwner", domain: { name: "x402 treasury", chainId: CHAIN_ID } },
    });

    const second = await submit(p, await sign(bob, p), "bob@demo.local");
    expect(second).toMatchObject({
      signed: 2,
      quorum: 2,
      enacted: { address: attacker.address, label: "mine" },
    });
    expect(await listOwners(t.db)).toMatchObject([
      { address: alice.address },
      { address: bob.address },
      { address: attacker.address, source: "proposal", addedBy: ADMIN, proposalId: p.id },
    ]);
    expect((await listProposals(t.db, config, CHAIN_ID, clock))[0]).toMatchObject({
      status: "enacted",
      toSign: null,
    });
    expect(await audits()).toEqual([
      { action: "treasury_owner.initial_set", actor: "X402_TREASURY_OWNERS", target_id: null },
      { action: "treasury_owner.proposed", actor: ADMIN, target_id: p.id },
      { action: "treasury_owner.signed", actor: "alice@demo.local", target_id: p.id },
      { action: "treasury_owner.signed", actor: "bob@demo.local", target_id: p.id },
      { action: "treasury_owner.add", actor: "bob@demo.local", target_id: attacker.address },
    ]);
    const [enact] = await t.db.$client<{ after: { signers: string[]; quorum: number } }[]>`
      SELECT after FROM audit_log WHERE action = 'treasury_owner.add'`;
    expect(enact?.after).toMatchObject({ signers: [alice.address, bob.address], quorum: 2 });
    // Enacted once: a further signature is refused.
    expect((await refusal(submit(p, await sign(carol, p)))).code).toBe("owner_proposal_closed");
  });

  it("refuses a duplicate signer, a replayed signature, another chain's and an expired one, saving nothing", async () => {
    const p = await propose("add", carol.address);
    const aliceSig = await sign(alice, p);
    await submit(p, aliceSig);
    // The same owner again (a fresh signature: ECDSA in viem is deterministic, so sign other bytes-equal data differently).
    const twice = await refusal(submit(p, await sign(alice, p)));
    expect(twice.code).toBe("owner_change_replayed");
    const other = await propose("add", attacker.address);
    // Alice's signature for the first proposal replayed on the second: refused as used.
    expect(await refusal(submit(other, aliceSig))).toEqual({
      code: "owner_change_replayed",
      details: { usedBy: p.id, signer: alice.address },
    });
    expect(await refusal(submit(other, await sign(bob, other, 8453)))).toEqual({
      code: "owner_change_wrong_chain",
      details: { expectedChainId: CHAIN_ID, signedChainId: 8453, recoveredSigner: bob.address },
    });
    const bobSig = await sign(bob, other);
    clock = new Date(other.deadline.getTime() + 1000);
    expect(await refusal(submit(other, bobSig))).toMatchObject({
      code: "owner_change_expired",
      details: { deadline: other.deadline.toISOString(), now: clock.toISOString() },
    });
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
    const views = await listProposals(t.db, config, CHAIN_ID, clock);
    expect(views.map((v) => [v.id, v.status, v.signed]).sort()).toEqual(
      [
        [p.id, "expired", 1],
        [other.id, "expired", 0],
      ].sort(),
    );
  });

  it("refuses a second signature by the same owner (another signature over the same message)", async () => {
    // A signature is bytes; an owner can produce a second, different one for the same message
    // (the s-value's high twin is refused by viem, so this uses a second proposal's nonce instead:
    // the duplicate check is per proposal and signer, independent of the bytes).
    const p = await propose("add", carol.address);
    await submit(p, await sign(alice, p));
    const { recoverTypedDataAddress } = await import("viem");
    const sig = await sign(alice, p);
    expect(await recoverTypedDataAddress({ ...ownerChangeTypedData(p, CHAIN_ID), signature: sig })).toBe(
      alice.address,
    );
    // Flip the signature's v between its two encodings (27/28 vs 0/1): same signer, other bytes.
    const v = Number.parseInt(sig.slice(130), 16);
    const alt = `${sig.slice(0, 130)}${(v >= 27 ? v - 27 : v + 27).toString(16).padStart(2, "0")}` as const;
    expect(await refusal(submit(p, alt))).toMatchObject({
      code: "owner_change_duplicate_signer",
      details: { proposalId: p.id, signer: alice.address },
    });
    expect((await listProposals(t.db, config, CHAIN_ID, clock))[0]?.signed).toBe(1);
  });

  it("refuses proposing a payer wallet or an existing owner", async () => {
    await recordInitialOwners(t.db, config, clock);
    expect(await refusal(propose("add", envPayer))).toEqual({
      code: "treasury_owner_is_payer",
      details: { address: envPayer, payer: "env" },
    });
    await t.db.insert(wallets).values({
      address: carol.address.toLowerCase(),
      label: "payer",
      network: "eip155:31337",
      role: "payer",
      active: true,
    });
    expect((await refusal(propose("add", carol.address))).details).toMatchObject({ payer: "active" });
    expect(await refusal(propose("add", alice.address.toLowerCase()))).toMatchObject({
      code: "treasury_owner_exists",
      details: { address: alice.address, source: "env" },
    });
    expect(await refusal(propose("add", "0x1234"))).toMatchObject({
      code: "invalid_treasury_owner",
      details: { field: "address" },
    });
    expect((await audits()).map((a) => a.action)).toEqual(["treasury_owner.initial_set"]);
  });
});

describe("removing an owner", () => {
  it("refuses a removal that would leave fewer owners than the quorum, with the figures", async () => {
    expect(await refusal(propose("remove", bob.address))).toEqual({
      code: "treasury_owner_below_quorum",
      details: { address: bob.address, owners: 2, remaining: 1, quorum: 2 },
    });
    expect(await refusal(propose("remove", carol.address))).toEqual({
      code: "treasury_owner_not_found",
      details: { address: carol.address },
    });
  });

  it("with three owners, two signatures remove one; the removed owner's signature no longer counts", async () => {
    config = { treasuryOwners: [alice.address, bob.address, carol.address] };
    const p = await propose("remove", carol.address);
    await submit(p, await sign(carol, p));
    const out = await submit(p, await sign(alice, p));
    expect(out).toMatchObject({ signed: 2, quorum: 2, enacted: { address: carol.address } });
    expect(await currentOwners(t.db)).toEqual([alice.address, bob.address]);
    expect(await removedOwners(t.db)).toMatchObject([
      { address: carol.address, removedBy: ADMIN, removedByProposal: p.id },
    ]);
    // Carol, removed, signs a new proposal: a stranger now.
    const next = await propose("add", attacker.address);
    expect((await refusal(submit(next, await sign(carol, next)))).code).toBe("owner_change_signer_not_owner");
  });

  it("two removals signed at the same moment: one is enacted, the set never drops below the quorum", async () => {
    const dave = privateKeyToAccount(generatePrivateKey());
    // Four owners, quorum 3: one removal leaves 3 (allowed), both would leave 2.
    config = {
      treasuryOwners: [alice.address, bob.address, carol.address, dave.address],
      treasuryQuorum: 3,
    };
    const p1 = await propose("remove", carol.address);
    const p2 = await propose("remove", dave.address);
    await submit(p1, await sign(alice, p1));
    await submit(p1, await sign(dave, p1));
    await submit(p2, await sign(alice, p2));
    await submit(p2, await sign(carol, p2));
    // Bob's signatures would be the third on both: each enacts only against the set the other left.
    const [s1, s2] = [await sign(bob, p1), await sign(bob, p2)];
    const outs = await Promise.all([submit(p1, s1), submit(p2, s2)]);
    expect(outs.map((o) => o.enacted !== null).sort()).toEqual([false, true]);
    expect((await currentOwners(t.db)).length).toBe(3);
    const views = await listProposals(t.db, config, CHAIN_ID, clock);
    expect(views.map((v) => v.status).sort()).toEqual(["enacted", "open"]);
  });
});
