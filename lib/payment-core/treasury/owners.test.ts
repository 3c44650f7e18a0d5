import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { wallets } from "@/db/schema";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { refusal } from "@/lib/testing/refusal";
import { addOwner, effectiveOwners, listOwners, type OwnerDeps, removedOwners, removeOwner } from "./owners";

/* Treasury owners against a real PostgreSQL: refusals first, each with nothing saved. */

const ADMIN = "admin@demo.local";
const envOwner = privateKeyToAccount(generatePrivateKey()).address;
const alice = privateKeyToAccount(generatePrivateKey()).address;
const bob = privateKeyToAccount(generatePrivateKey()).address;
const carol = privateKeyToAccount(generatePrivateKey()).address;
const envPayer = privateKeyToAccount(generatePrivateKey()).address;

let t: TestDatabase;
const deps = (over: Partial<OwnerDeps> = {}): OwnerDeps => ({
  db: t.db,
  envOwners: [envOwner],
  envPayer,
  ...over,
});

beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);
afterAll(async () => t?.drop());
beforeEach(async () => {
  await truncate(t.db, "treasury_owners, payer_rotations, wallets, audit_log");
});

async function rows() {
  return t.db.$client<{ address: string; removed_at: Date | null }[]>`
    SELECT address, removed_at FROM treasury_owners ORDER BY id`;
}
async function audits() {
  return t.db.$client<{ action: string; actor: string; target_id: string }[]>`
    SELECT action, actor, target_id FROM audit_log ORDER BY id`;
}

describe("addOwner: refusals, nothing saved", () => {
  it.each([
    ["not hex", "0xnot-an-address"],
    ["too short", "0x1234"],
    ["without 0x", alice.slice(2)],
    // vitalik.eth's checksummed address with one letter's case flipped.
    ["a wrong mixed-case checksum", "0xD8dA6BF26964aF9D7eEd9e03E53415D37aA96045"],
    ["the zero address", "0x0000000000000000000000000000000000000000"],
  ])("refuses %s as address (invalid_treasury_owner)", async (_name, address) => {
    const out = await refusal(addOwner(deps(), { address, actor: ADMIN }));
    expect(out).toMatchObject({ code: "invalid_treasury_owner", details: { field: "address" } });
    expect(await rows()).toEqual([]);
    expect(await audits()).toEqual([]);
  });

  it("refuses a label over 100 characters", async () => {
    const out = await refusal(addOwner(deps(), { address: alice, label: "x".repeat(101), actor: ADMIN }));
    expect(out).toMatchObject({ code: "invalid_treasury_owner", details: { field: "label" } });
    expect(await rows()).toEqual([]);
  });

  it("refuses an X402_TREASURY_OWNERS owner and an active console owner (treasury_owner_exists)", async () => {
    expect(await refusal(addOwner(deps(), { address: envOwner.toLowerCase(), actor: ADMIN }))).toEqual({
      code: "treasury_owner_exists",
      details: { address: envOwner, source: "env" },
    });
    await addOwner(deps(), { address: alice, actor: ADMIN });
    const again = await refusal(
      addOwner(deps(), { address: alice.toLowerCase(), actor: "other@demo.local" }),
    );
    expect(again).toMatchObject({
      code: "treasury_owner_exists",
      details: { address: alice, source: "console", addedBy: ADMIN },
    });
    expect((await rows()).length).toBe(1);
    expect((await audits()).length).toBe(1);
  });

  it("two admins adding the same address at once: one owner, one refusal", async () => {
    const outs = await Promise.all([
      refusal(addOwner(deps(), { address: alice, actor: "a@demo.local" })),
      refusal(addOwner(deps(), { address: alice, actor: "b@demo.local" })),
    ]);
    expect(outs.map((o) => o.code).sort()).toEqual(["accepted", "treasury_owner_exists"]);
    expect((await rows()).length).toBe(1);
    expect((await audits()).length).toBe(1);
  });

  it("refuses a payer wallet: the env payer, the active one, one registered by a rotation, a retired one", async () => {
    expect(await refusal(addOwner(deps(), { address: envPayer, actor: ADMIN }))).toEqual({
      code: "treasury_owner_is_payer",
      details: { address: envPayer, payer: "env" },
    });
    const retiredAt = new Date("2026-11-01T00:00:00Z");
    await t.db.insert(wallets).values([
      { address: alice.toLowerCase(), label: "payer", network: "eip155:31337", role: "payer", active: true },
      {
        address: bob.toLowerCase(),
        label: "old",
        network: "eip155:31337",
        role: "payer",
        active: false,
        retiredAt,
      },
      { address: carol.toLowerCase(), label: "next", network: "eip155:31337", role: "payer", active: false },
    ]);
    expect(await refusal(addOwner(deps(), { address: carol, actor: ADMIN }))).toMatchObject({
      code: "treasury_owner_is_payer",
      details: { payer: "registered" },
    });
    expect(await refusal(addOwner(deps(), { address: alice, actor: ADMIN }))).toMatchObject({
      code: "treasury_owner_is_payer",
      details: { payer: "active" },
    });
    expect(await refusal(addOwner(deps(), { address: bob, actor: ADMIN }))).toMatchObject({
      code: "treasury_owner_is_payer",
      details: { payer: "retired" },
    });
    expect(await rows()).toEqual([]);
    expect(await audits()).toEqual([]);
  });
});

describe("removeOwner: refusals", () => {
  it("refuses an unknown address and an env owner, changing nothing", async () => {
    await addOwner(deps(), { address: alice, actor: ADMIN });
    expect(await refusal(removeOwner(deps(), { address: bob, actor: ADMIN }))).toEqual({
      code: "treasury_owner_not_found",
      details: { address: bob },
    });
    expect(await refusal(removeOwner(deps(), { address: envOwner, actor: ADMIN }))).toEqual({
      code: "treasury_owner_from_env",
      details: { address: envOwner, source: "env" },
    });
    expect(await refusal(removeOwner(deps(), { address: "0x12", actor: ADMIN }))).toMatchObject({
      code: "invalid_treasury_owner",
    });
    expect((await rows()).map((r) => r.removed_at)).toEqual([null]);
    expect((await audits()).length).toBe(1);
  });

  it("refuses removing the same owner twice", async () => {
    await addOwner(deps(), { address: alice, actor: ADMIN });
    await removeOwner(deps(), { address: alice, actor: ADMIN });
    expect((await refusal(removeOwner(deps(), { address: alice, actor: ADMIN }))).code).toBe(
      "treasury_owner_not_found",
    );
  });
});

describe("owners: add, list, remove, history", () => {
  it("adds (checksummed, labelled, audited), lists env then console, removes softly, may add again", async () => {
    const added = await addOwner(deps(), { address: alice.toLowerCase(), label: "  Ledger  ", actor: ADMIN });
    expect(added).toMatchObject({ address: alice, label: "Ledger", source: "console", addedBy: ADMIN });
    await addOwner(deps(), { address: bob, label: "", actor: ADMIN });
    expect(await listOwners(t.db, [envOwner])).toMatchObject([
      { address: envOwner, source: "env", label: null, addedBy: null },
      { address: alice, source: "console", label: "Ledger" },
      { address: bob, source: "console", label: null },
    ]);
    expect(await effectiveOwners(t.db, [envOwner])).toEqual([envOwner, alice, bob]);

    await removeOwner(deps(), { address: alice, actor: "other-admin@demo.local" });
    expect(await effectiveOwners(t.db, [envOwner])).toEqual([envOwner, bob]);
    expect(await removedOwners(t.db)).toMatchObject([
      { address: alice, label: "Ledger", removedBy: "other-admin@demo.local", addedBy: ADMIN },
    ]);
    // Added again: a new row; the removed one stays as history.
    await addOwner(deps(), { address: alice, actor: ADMIN });
    expect((await rows()).map((r) => [r.address, r.removed_at === null])).toEqual([
      [alice.toLowerCase(), false],
      [bob.toLowerCase(), true],
      [alice.toLowerCase(), true],
    ]);
    expect(await audits()).toEqual([
      { action: "treasury_owner.add", actor: ADMIN, target_id: alice },
      { action: "treasury_owner.add", actor: ADMIN, target_id: bob },
      { action: "treasury_owner.remove", actor: "other-admin@demo.local", target_id: alice },
      { action: "treasury_owner.add", actor: ADMIN, target_id: alice },
    ]);
  });

  it("effective owners name an address once when the environment also lists a console owner", async () => {
    await addOwner(deps({ envOwners: [] }), { address: alice, actor: ADMIN });
    expect(await effectiveOwners(t.db, [alice, envOwner])).toEqual([alice, envOwner]);
  });

  it("the database refuses an address that is not lower-case hex (the check constraint)", async () => {
    const out = await t.db.$client`
      INSERT INTO treasury_owners (address, added_by) VALUES (${alice}, ${ADMIN})`.then(
      () => "accepted",
      (e: { code?: string }) => e.code,
    );
    expect(out).toBe("23514");
  });
});
