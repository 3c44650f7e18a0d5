import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { cliRunner } from "@/lib/cli/test-harness";
import { addUser, setUserDisabled, type User } from "@/lib/payment-core/access/users";
import { appDb } from "@/lib/server/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

/**
 * The CLI tokens page's server actions, called as the browser calls them, against a real database:
 * the one thing not real is the session cookie, which next-auth would decode into a user id (the
 * wrapper then reads that user, role and disabled flag, from the database as in production).
 */

let sessionUserId: string | null = null;
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => (sessionUserId ? { user: { id: sessionUserId } } : null),
}));
// Outside a request there is no cache to revalidate.
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { createCliTokenAction, revokeCliTokenAction } = await import("./actions");
const { listCliTokenViews } = await import("@/lib/dal/cli-tokens");

let t: TestDatabase;
let viewer: User;
let operator: User;
let admin: User;
let otherAdmin: User;
let approver: User;
const x402 = cliRunner(() => t.url);

const signIn = (user: User | null) => {
  sessionUserId = user?.id ?? null;
};
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
/** A shell of its own (a config folder nobody signed in to yet). */
const shell = () => ({ X402_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), "x402-tokens-page-")) });

async function tokenRows() {
  return t.db.$client<{ id: string; user_id: string; revoked_at: Date | null; row: string }[]>`
    SELECT id, user_id, revoked_at, row_to_json(c)::text AS row FROM cli_tokens c ORDER BY created_at`;
}
const auditRows = (action: string) =>
  t.db.$client<{ actor: string; target_id: string; before: unknown; after: unknown; row: string }[]>`
    SELECT actor, target_id, before, after, row_to_json(a)::text AS row FROM audit_log a
    WHERE action = ${action} ORDER BY id`;

/** Makes a token through the action as `user`; returns the token shown once and its id. */
async function made(user: User, name = "laptop", ttlDays = 30) {
  signIn(user);
  const result = await createCliTokenAction({ name, ttlDays });
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return { token: result.data.token, id: result.data.record.id };
}

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  const add = async (email: string, role: User["role"]) =>
    (await addUser(t.db, { email, role, password: "a-test-password-1", actor: "test" })).user;
  viewer = await add("viewer@tokens.test", "viewer");
  operator = await add("operator@tokens.test", "operator");
  admin = await add("admin@tokens.test", "admin");
  otherAdmin = await add("admin2@tokens.test", "admin");
  approver = await add("approver@tokens.test", "approver");
});
afterAll(async () => {
  await closeDb(appDb());
  await t.drop();
});
beforeEach(() => signIn(null));

describe("making a personal CLI token on the CLI tokens page", () => {
  it("a viewer makes one: shown once, stored only as its SHA-256, audited, and x402 signs in with it", async () => {
    signIn(viewer);
    const result = await createCliTokenAction({ name: "work laptop", ttlDays: 7 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { token, record } = result.data;
    expect(token).toMatch(/^x402_cli_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ userId: viewer.id, userEmail: viewer.email, name: "work laptop" });

    const [row] = (await tokenRows()).filter((r) => r.id === record.id);
    expect(row?.row).toContain(sha256(token));
    expect(row?.row).not.toContain(token.slice("x402_cli_".length));
    const [{ days } = { days: 0 }] = await t.db.$client<{ days: number }[]>`
      SELECT extract(epoch FROM expires_at - created_at)::int / 86400 AS days FROM cli_tokens WHERE id = ${record.id}`;
    expect(days).toBe(7);

    const audit = (await auditRows("cli_token.create")).filter((a) => a.target_id === viewer.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe(viewer.email);
    expect(audit[0]?.after).toMatchObject({ tokenId: record.id, name: "work laptop" });
    expect(audit[0]?.row).not.toContain(token.slice("x402_cli_".length));

    // Never again: the page's list holds the record, not the token.
    const listed = await listCliTokenViews(viewer);
    expect(listed.map((l) => l.id)).toContain(record.id);
    expect(JSON.stringify(listed)).not.toContain(token.slice("x402_cli_".length));

    // The command the page shows works as it is.
    const env = shell();
    const login = await x402(["login", "--token", token, "--json"], env);
    expect(login.code).toBe(0);
    const whoami = await x402(["whoami", "--json"], env);
    expect(whoami.code).toBe(0);
    expect(whoami.json()).toMatchObject({ user: { email: viewer.email, role: "viewer" } });
  });

  it("the token is always the signed-in user's, whatever the request names", async () => {
    signIn(viewer);
    const forged = { name: "not mine", ttlDays: 30, userId: admin.id } as { name: string; ttlDays: number };
    const result = await createCliTokenAction(forged);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [row] = (await tokenRows()).filter((r) => r.id === result.data.record.id);
    expect(row?.user_id).toBe(viewer.id);
  });

  it("a name or lifetime out of range is refused with its field, and nothing is written", async () => {
    const tokens = (await tokenRows()).length;
    const audits = (await auditRows("cli_token.create")).length;
    signIn(operator);
    for (const [input, field] of [
      [{ name: "x", ttlDays: 0 }, "ttlDays"],
      [{ name: "x", ttlDays: 366 }, "ttlDays"],
      [{ name: "x", ttlDays: 1.5 }, "ttlDays"],
      [{ name: "   ", ttlDays: 30 }, "name"],
      [{ name: "n".repeat(101), ttlDays: 30 }, "name"],
    ] as const) {
      const result = await createCliTokenAction(input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (result.ok) continue;
      expect(result.code).toBe("invalid_input");
      const issues = result.details?.issues as { path: string }[];
      expect(issues.map((i) => i.path)).toContain(field);
    }
    // As the form sends it: text fields.
    const form = new FormData();
    form.set("name", "from the form");
    form.set("ttlDays", "400");
    const fromForm = await createCliTokenAction(form);
    expect(fromForm).toMatchObject({ ok: false, code: "invalid_input" });
    expect((await tokenRows()).length).toBe(tokens);
    expect((await auditRows("cli_token.create")).length).toBe(audits);
  });

  it("signed out, or disabled: unauthorized, nothing written", async () => {
    const tokens = (await tokenRows()).length;
    signIn(null);
    expect(await createCliTokenAction({ name: "x", ttlDays: 1 })).toMatchObject({
      ok: false,
      code: "unauthorized",
    });
    const viewers = await made(viewer);
    signIn(null);
    expect(await revokeCliTokenAction({ tokenId: viewers.id })).toMatchObject({
      ok: false,
      code: "unauthorized",
    });
    // An admin who was disabled after signing in: the session still names them; the database says no.
    const gone = (await addUser(t.db, { email: "gone@tokens.test", role: "admin", actor: "test" })).user;
    await setUserDisabled(t.db, { userId: gone.id, disabled: true, actor: admin.email });
    signIn(gone);
    expect(await createCliTokenAction({ name: "x", ttlDays: 1 })).toMatchObject({
      ok: false,
      code: "unauthorized",
    });
    expect(await revokeCliTokenAction({ tokenId: viewers.id })).toMatchObject({
      ok: false,
      code: "unauthorized",
    });
    expect((await tokenRows()).find((r) => r.id === viewers.id)?.revoked_at).toBeNull();
    expect((await tokenRows()).length).toBe(tokens + 1);
  });
});

describe("who sees and revokes whose tokens", () => {
  it("every role but admin sees only their own tokens; an admin sees everyone's", async () => {
    await made(viewer, "viewer's");
    await made(operator, "operator's");
    await made(admin, "admin's");
    const owners = async (user: User) => new Set((await listCliTokenViews(user)).map((l) => l.userEmail));
    expect(await owners(viewer)).toEqual(new Set([viewer.email]));
    expect(await owners(operator)).toEqual(new Set([operator.email]));
    expect(await owners(admin)).toEqual(new Set([viewer.email, operator.email, admin.email]));
  });

  it("revoking another user's token is cli_token_not_found to a non-admin; nothing changes and it still works", async () => {
    const theirs = await made(admin, "admin laptop");
    const env = shell();
    expect((await x402(["login", "--token", theirs.token, "--json"], env)).code).toBe(0);
    const audits = (await auditRows("cli_token.revoke")).length;
    for (const who of [viewer, operator]) {
      signIn(who);
      const result = await revokeCliTokenAction({ tokenId: theirs.id });
      expect(result).toMatchObject({
        ok: false,
        code: "cli_token_not_found",
        details: { tokenId: theirs.id },
      });
    }
    const [row] = (await tokenRows()).filter((r) => r.id === theirs.id);
    expect(row?.revoked_at).toBeNull();
    expect((await auditRows("cli_token.revoke")).length).toBe(audits);
    expect((await x402(["whoami", "--json"], env)).code).toBe(0);
  });

  it("a user revokes their own token; x402 refuses it from then on (cli_token_revoked)", async () => {
    const mine = await made(viewer, "old laptop");
    const env = shell();
    expect((await x402(["login", "--token", mine.token, "--json"], env)).code).toBe(0);
    signIn(viewer);
    const result = await revokeCliTokenAction({ tokenId: mine.id });
    expect(result).toMatchObject({ ok: true, data: { changed: true, token: { revokedBy: viewer.email } } });
    const whoami = await x402(["whoami", "--json"], env);
    expect(whoami.code).toBe(1);
    expect(whoami.json()).toMatchObject({ error: { code: "cli_token_revoked" } });
    expect((await x402(["login", "--token", mine.token, "--json"], shell())).code).toBe(1);
    const audit = (await auditRows("cli_token.revoke")).filter(
      (a) => (a.after as { tokenId?: string }).tokenId === mine.id,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: viewer.email, target_id: viewer.id });
    const listed = (await listCliTokenViews(viewer)).find((l) => l.id === mine.id);
    expect(listed).toMatchObject({ status: "revoked", revokedBy: viewer.email });
  });

  it("an admin revokes anyone's token, once: revoking it again changes nothing", async () => {
    const theirs = await made(operator, "ci runner");
    signIn(otherAdmin);
    const first = await revokeCliTokenAction({ tokenId: theirs.id });
    expect(first).toMatchObject({
      ok: true,
      data: { changed: true, token: { revokedBy: otherAdmin.email } },
    });
    const again = await revokeCliTokenAction({ tokenId: theirs.id });
    expect(again).toMatchObject({
      ok: true,
      data: { changed: false, token: { revokedBy: otherAdmin.email } },
    });
    const audit = (await auditRows("cli_token.revoke")).filter(
      (a) => (a.after as { tokenId?: string }).tokenId === theirs.id,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: otherAdmin.email, target_id: operator.id });
    const whoami = await x402(["login", "--token", theirs.token, "--json"], shell());
    expect(whoami.json()).toMatchObject({ error: { code: "cli_token_revoked" } });
  });

  it("the list says which tokens are active, expired or revoked", async () => {
    const old = await made(approver, "expired one", 1);
    await t.db.$client`UPDATE cli_tokens SET expires_at = now() - interval '1 second' WHERE id = ${old.id}`;
    const fresh = await made(approver, "fresh one", 1);
    const listed = await listCliTokenViews(approver);
    expect(listed.find((l) => l.id === old.id)?.status).toBe("expired");
    expect(listed.find((l) => l.id === fresh.id)).toMatchObject({ status: "active", mine: true });
    const login = await x402(["login", "--token", old.token, "--json"], shell());
    expect(login.json()).toMatchObject({ error: { code: "cli_token_expired" } });
  });

  it("a token id that is not one is refused with its field", async () => {
    signIn(admin);
    const result = await revokeCliTokenAction({ tokenId: "not-a-uuid" });
    expect(result).toMatchObject({ ok: false, code: "invalid_input" });
  });
});

describe("the console's actions take their role from the operations table", () => {
  it("an admin-only action (users.manage) refuses an operator with the role needed and held; nothing changes", async () => {
    const { addUserAction } = await import("../users/actions");
    signIn(operator);
    const result = await addUserAction({ email: "sneaky@tokens.test", role: "admin" });
    expect(result).toMatchObject({
      ok: false,
      code: "forbidden",
      details: { operation: "users.manage", needed: "admin", role: "operator" },
    });
    const [{ n } = { n: -1 }] = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM users WHERE email = 'sneaky@tokens.test'`;
    expect(n).toBe(0);
  });
});
