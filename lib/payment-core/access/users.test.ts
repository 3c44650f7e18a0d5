import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, lockWaiters, type TestDatabase, truncate } from "@/lib/testing/db";
import { addUser, listUsers, type Role, setUserDisabled, setUserRole, verifyUserPassword } from "./users";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "users, audit_log CASCADE");
});

/** A user row without bcrypt's cost (the password is never checked in these tests). */
async function user(email: string, role: Role, disabled = false): Promise<string> {
  const [row] = await t.db.$client<{ id: string }[]>`
    INSERT INTO users (email, password_hash, role, disabled)
    VALUES (${email}, 'x', ${role}::user_role, ${disabled}) RETURNING id`;
  if (!row) throw new Error("insert failed");
  return row.id;
}

async function auditRows() {
  return t.db.$client<
    { actor: string; action: string; target_id: string; before: unknown; after: unknown }[]
  >`
    SELECT actor, action, target_id, before, after FROM audit_log ORDER BY id`;
}

describe("users", () => {
  it("adds a user (audited), lists them without hashes, and a generated password works once shown", async () => {
    const added = await addUser(t.db, {
      email: "Ann@Example.com",
      role: "operator",
      name: "Ann",
      actor: "root",
    });
    expect(added.generated).toBe(true);
    expect(added.password.length).toBeGreaterThanOrEqual(12);
    expect(await verifyUserPassword(t.db, "ann@example.com", added.password)).toMatchObject({
      role: "operator",
    });
    const users = await listUsers(t.db);
    expect(users).toEqual([
      {
        id: added.user.id,
        email: "ann@example.com",
        name: "Ann",
        role: "operator",
        disabled: false,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    ]);
    expect(JSON.stringify(users)).not.toContain("password");
    expect(await auditRows()).toEqual([
      {
        actor: "root",
        action: "user.add",
        target_id: added.user.id,
        before: null,
        after: { email: "ann@example.com", role: "operator", name: "Ann" },
      },
    ]);
    await expect(
      addUser(t.db, { email: "x@example.com", role: "viewer", password: "short", actor: "root" }),
    ).rejects.toMatchObject({ code: "invalid_user" });
    await expect(
      addUser(t.db, { email: "ann@example.com", role: "viewer", actor: "root" }),
    ).rejects.toMatchObject({
      code: "user_exists",
    });
  });

  it("changes a role with its audit row; the same role again writes nothing", async () => {
    await user("admin@example.com", "admin");
    const bob = await user("bob@example.com", "viewer");
    const result = await setUserRole(t.db, { userId: bob, role: "approver", actor: "admin@example.com" });
    expect(result).toMatchObject({ changed: true, user: { role: "approver" } });
    expect((await listUsers(t.db)).find((u) => u.id === bob)?.role).toBe("approver");
    expect(await auditRows()).toEqual([
      {
        actor: "admin@example.com",
        action: "user.role_set",
        target_id: bob,
        before: { email: "bob@example.com", role: "viewer" },
        after: { email: "bob@example.com", role: "approver" },
      },
    ]);
    expect(
      await setUserRole(t.db, { userId: bob, role: "approver", actor: "admin@example.com" }),
    ).toMatchObject({
      changed: false,
    });
    expect(await auditRows()).toHaveLength(1);
  });

  it("disables and enables with audit rows; a disabled user cannot sign in", async () => {
    await user("admin@example.com", "admin");
    const added = await addUser(t.db, {
      email: "eve@example.com",
      role: "viewer",
      password: "a-long-password-1",
      actor: "root",
    });
    await setUserDisabled(t.db, { userId: added.user.id, disabled: true, actor: "admin@example.com" });
    expect(await verifyUserPassword(t.db, "eve@example.com", "a-long-password-1")).toBeNull();
    await setUserDisabled(t.db, { userId: added.user.id, disabled: false, actor: "admin@example.com" });
    expect(await verifyUserPassword(t.db, "eve@example.com", "a-long-password-1")).not.toBeNull();
    expect((await auditRows()).map((r) => [r.action, r.before, r.after])).toEqual([
      ["user.add", null, { email: "eve@example.com", role: "viewer", name: null }],
      [
        "user.disable",
        { email: "eve@example.com", disabled: false },
        { email: "eve@example.com", disabled: true },
      ],
      [
        "user.enable",
        { email: "eve@example.com", disabled: true },
        { email: "eve@example.com", disabled: false },
      ],
    ]);
  });

  it("refuses to demote or disable the last active admin (last_admin), and saves nothing", async () => {
    const admin = await user("admin@example.com", "admin");
    await user("old-admin@example.com", "admin", true); // disabled: does not count
    await expect(
      setUserRole(t.db, { userId: admin, role: "operator", actor: "admin@example.com" }),
    ).rejects.toMatchObject({
      code: "last_admin",
      details: { activeAdmins: 1 },
    });
    await expect(
      setUserDisabled(t.db, { userId: admin, disabled: true, actor: "admin@example.com" }),
    ).rejects.toMatchObject({
      code: "last_admin",
    });
    expect((await listUsers(t.db)).find((u) => u.id === admin)).toMatchObject({
      role: "admin",
      disabled: false,
    });
    expect(await auditRows()).toEqual([]);

    // With a second active admin, either can step down.
    const second = await user("second@example.com", "admin");
    await setUserRole(t.db, { userId: admin, role: "viewer", actor: "admin@example.com" });
    await expect(
      setUserDisabled(t.db, { userId: second, disabled: true, actor: "second@example.com" }),
    ).rejects.toMatchObject({
      code: "last_admin",
    });
  });

  it("two admins demoting each other at the same moment leave one admin", async () => {
    const other = t.connect(2);
    const gate = t.connect(1);
    const watch = t.connect(1);
    await other.$client`SELECT 1`;
    for (let round = 0; round < 4; round++) {
      await truncate(t.db, "users, audit_log CASCADE");
      const a = await user("a@example.com", "admin");
      const b = await user("b@example.com", "admin");
      // Hold the table so both changes start, wait at their first read, and are let go together.
      let both: Promise<PromiseSettledResult<unknown>[]> = Promise.resolve([]);
      await gate.$client.begin(async (sql) => {
        await sql`LOCK TABLE users IN ACCESS EXCLUSIVE MODE`;
        both = Promise.allSettled([
          setUserRole(t.db, { userId: b, role: "viewer", actor: "a@example.com" }),
          round % 2 === 0
            ? setUserRole(other, { userId: a, role: "viewer", actor: "b@example.com" })
            : setUserDisabled(other, { userId: a, disabled: true, actor: "b@example.com" }),
        ]);
        await lockWaiters(watch, "users", 2);
      });
      const results = await both;
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected");
      expect(refused?.status === "rejected" && refused.reason).toMatchObject({ code: "last_admin" });
      const admins = (await listUsers(t.db)).filter((u) => u.role === "admin" && !u.disabled);
      expect(admins).toHaveLength(1);
    }
  });

  it("an unknown or malformed user id is user_not_found; an unknown role is invalid_role", async () => {
    await expect(
      setUserRole(t.db, { userId: "00000000-0000-0000-0000-000000000000", role: "viewer", actor: "x" }),
    ).rejects.toMatchObject({ code: "user_not_found" });
    await expect(
      setUserDisabled(t.db, { userId: "not-a-uuid", disabled: true, actor: "x" }),
    ).rejects.toMatchObject({
      code: "user_not_found",
    });
    const bob = await user("bob@example.com", "viewer");
    await expect(setUserRole(t.db, { userId: bob, role: "owner", actor: "x" })).rejects.toMatchObject({
      code: "invalid_role",
    });
  });
});
