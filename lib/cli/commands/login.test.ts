import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser, setUserDisabled } from "@/lib/payment-core/access/users";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let viewer: CliUser;
let operator: CliUser;
let admin: CliUser;
/** A shell nobody signed in to: a config folder without a token file. */
const nobody = { X402_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), "x402-nobody-")) };
const x402 = cliRunner(() => t.url);

beforeAll(async () => {
  t = await createTestDatabase();
  viewer = await cliUser(t.db, "viewer");
  operator = await cliUser(t.db, "operator");
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

async function dailyLimit(agent = "builder_agent"): Promise<string> {
  const r = await x402(["budgets", "--agent", agent, "--json"], nobody);
  expect(r.code).toBe(0);
  return String((r.json().agents as { daily_limit: string }[])[0]?.daily_limit);
}
const auditRows = (action: string) =>
  t.db.$client<{ actor: string; reason: string | null; break_glass: boolean; after: unknown }[]>`
    SELECT actor, reason, break_glass, after FROM audit_log WHERE action = ${action} ORDER BY id`;
const requestStatus = async (id: number) =>
  (await t.db.$client<{ status: string }[]>`SELECT status FROM budget_change_requests WHERE id = ${id}`)[0]
    ?.status;

/** A monthly increase requested by the operator (signed in): the request an approval is about. */
async function monthlyRequest(agent: string): Promise<number> {
  const r = await x402(
    ["budgets", "set", agent, "--monthly", "5000", "--reason", "more research this month", "--json"],
    operator.env,
  );
  expect(r.code).toBe(0);
  expect((r.json().monthly as { outcome: string }).outcome).toBe("requested");
  return Number((r.json().monthly as { request_id: number }).request_id);
}

describe("x402 acts as a signed-in console user", () => {
  it("without x402 login, budgets set and approvals approve are refused and change nothing", async () => {
    const id = await monthlyRequest("research_agent");
    const before = await dailyLimit();

    const set = await x402(["budgets", "set", "builder_agent", "--daily", "1", "--json"], nobody);
    expect(set.code).toBe(1);
    expect(set.json()).toMatchObject({ error: { code: "cli_login_required" } });
    const approve = await x402(["approvals", "approve", String(id), "--json"], nobody);
    expect(approve.code).toBe(1);
    expect(approve.json()).toMatchObject({ error: { code: "cli_login_required" } });
    const human = await x402(["kill-switch", "on", "--reason", "stop it"], nobody);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain("x402 login");

    expect(await dailyLimit()).toBe(before);
    expect(await requestStatus(id)).toBe("pending");
    expect(await auditRows("kill_switch.on")).toEqual([]);
    // Reading needs no sign-in.
    expect((await x402(["approvals", "list", "--json"], nobody)).code).toBe(0);
  });

  it("a viewer's token is refused with the role needed and held; nothing changes", async () => {
    const id = await monthlyRequest("code_review_agent");
    const before = await dailyLimit();
    const set = await x402(["budgets", "set", "builder_agent", "--daily", "1", "--json"], viewer.env);
    expect(set.code).toBe(1);
    expect(set.json()).toMatchObject({
      error: { code: "forbidden", needed: "operator", role: "viewer", email: viewer.user.email },
    });
    const approve = await x402(["approvals", "approve", String(id), "--json"], viewer.env);
    expect(approve.json()).toMatchObject({
      error: { code: "forbidden", needed: "approver", role: "viewer" },
    });
    // An operator may set limits but not decide requests, as in the console.
    const byOperator = await x402(["approvals", "approve", String(id), "--json"], operator.env);
    expect(byOperator.json()).toMatchObject({
      error: { code: "forbidden", needed: "approver", role: "operator" },
    });
    expect(await dailyLimit()).toBe(before);
    expect(await requestStatus(id)).toBe("pending");
  });

  it("an admin's token works, and the audit rows name the admin", async () => {
    const id = await monthlyRequest("builder_agent");
    const set = await x402(["budgets", "set", "builder_agent", "--daily", "7", "--json"], admin.env);
    expect(set.code).toBe(0);
    expect(await dailyLimit()).toBe("7.000000");
    const approve = await x402(["approvals", "approve", String(id), "--json"], admin.env);
    expect(approve.code).toBe(0);
    expect(approve.json()).toMatchObject({ request: { status: "approved", decided_by: admin.user.email } });

    const limitRows = await t.db.$client<{ actor: string }[]>`
      SELECT actor FROM audit_log WHERE action LIKE 'budget.%' OR action LIKE 'limit%' ORDER BY id`;
    expect(limitRows.at(-1)?.actor).toBe(admin.user.email);
    const all = await t.db.$client<{ actor: string }[]>`SELECT DISTINCT actor FROM audit_log`;
    expect(all.map((r) => r.actor).filter((a) => a.startsWith("cli:"))).toEqual([]);
  });

  it("an expired, a revoked token and a disabled user's token are refused", async () => {
    const expiring = await cliUser(t.db, "admin");
    await t.db.$client`UPDATE cli_tokens SET expires_at = now() - interval '1 second'
      WHERE token_hash = ${createHash("sha256").update(expiring.token).digest("hex")}`;
    const expired = await x402(["kill-switch", "on", "--reason", "stop it", "--json"], expiring.env);
    expect(expired.code).toBe(1);
    expect(expired.json()).toMatchObject({ error: { code: "cli_token_expired" } });

    const leaving = await cliUser(t.db, "admin");
    const out = await x402(["logout", "--json"], leaving.env);
    expect(out.code).toBe(0);
    expect(out.json()).toMatchObject({ revoked: { email: leaving.user.email }, token_file_deleted: true });
    expect(() => statSync(path.join(leaving.configDir, "token"))).toThrow();
    // The same token, kept elsewhere, no longer works.
    writeFileSync(path.join(leaving.configDir, "token"), leaving.token, { mode: 0o600 });
    const revoked = await x402(["kill-switch", "on", "--reason", "stop it", "--json"], leaving.env);
    expect(revoked.json()).toMatchObject({ error: { code: "cli_token_revoked" } });

    const disabled = await cliUser(t.db, "admin");
    await setUserDisabled(t.db, { userId: disabled.user.id, disabled: true, actor: admin.user.email });
    const off = await x402(["kill-switch", "on", "--reason", "stop it", "--json"], disabled.env);
    expect(off.json()).toMatchObject({ error: { code: "user_disabled" } });

    expect(await auditRows("kill_switch.on")).toEqual([]);
  });

  it("x402 login with a password: a 0600 token file, only its hash in the database; whoami; throttled", async () => {
    await addUser(t.db, {
      email: "ops@example.com",
      role: "operator",
      password: "ops-password-123",
      actor: "test",
    });
    const home = { X402_CONFIG_DIR: path.join(mkdtempSync(path.join(tmpdir(), "x402-login-")), "x402") };
    const login = await x402(["login", "--email", "ops@example.com", "--json"], {
      ...home,
      X402_LOGIN_PASSWORD: "ops-password-123",
    });
    expect(login.code).toBe(0);
    expect(login.json()).toMatchObject({ user: { email: "ops@example.com", role: "operator" } });
    const file = path.join(home.X402_CONFIG_DIR, "token");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, "utf8").trim();
    expect(Buffer.from(token.replace(/^x402_cli_/, ""), "base64url").length).toBeGreaterThanOrEqual(32);
    const stored = await t.db.$client<{ token_hash: string }[]>`
      SELECT c.token_hash FROM cli_tokens c JOIN users u ON u.id = c.user_id WHERE u.email = 'ops@example.com'`;
    expect(stored).toEqual([{ token_hash: createHash("sha256").update(token).digest("hex") }]);
    const dump = await t.db.$client`SELECT * FROM cli_tokens`;
    expect(JSON.stringify(dump)).not.toContain(token);

    const who = await x402(["whoami", "--json"], home);
    expect(who.json()).toMatchObject({ user: { email: "ops@example.com", role: "operator" } });

    // The console's sign-in throttle holds for the CLI too.
    const throttled = { ...home, X402_SIGNIN_MAX_FAILURES: "2" };
    for (const password of ["wrong-password-1", "wrong-password-2"]) {
      const bad = await x402(["login", "--email", "ops@example.com", "--json"], {
        ...throttled,
        X402_LOGIN_PASSWORD: password,
      });
      expect(bad.json()).toMatchObject({ error: { code: "invalid_credentials" } });
    }
    const locked = await x402(["login", "--email", "ops@example.com", "--json"], {
      ...throttled,
      X402_LOGIN_PASSWORD: "ops-password-123",
    });
    expect(locked.json()).toMatchObject({ error: { code: "throttled" } });
    // The password is never a flag.
    const flag = await x402(["login", "--email", "ops@example.com", "--password", "ops-password-123"], home);
    expect(flag.code).toBe(2);
  });

  it("x402 login --token with a personal token", async () => {
    const made = await cliUser(t.db, "approver");
    const home = { X402_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), "x402-login-")) };
    const r = await x402(["login", "--token", made.token, "--json"], home);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ user: { email: made.user.email, role: "approver" } });
    const bad = await x402(["login", "--token", "x402_cli_nope", "--json"], home);
    expect(bad.json()).toMatchObject({ error: { code: "cli_token_invalid" } });
  });
});

describe("x402 --break-glass (database access, no sign-in)", () => {
  it("is refused for approvals and treasury owners, and changes nothing", async () => {
    expect((await x402(["agents", "add", "glass_agent"], admin.env)).code).toBe(0);
    const id = await monthlyRequest("glass_agent");
    const glass = ["--break-glass", "--reason", "console is down", "--json"];
    const approve = await x402(["approvals", "approve", String(id), ...glass], nobody);
    expect(approve.code).toBe(1);
    expect(approve.json()).toMatchObject({ error: { code: "break_glass_refused", needed: "approver" } });
    const owner = await x402(
      [
        "treasury",
        "owners",
        "propose-add",
        "--address",
        "0x00000000000000000000000000000000000000aa",
        ...glass,
      ],
      nobody,
    );
    expect(owner.json()).toMatchObject({ error: { code: "break_glass_refused", needed: "admin" } });
    expect(await requestStatus(id)).toBe("pending");
    expect(await auditRows("cli.break_glass")).toEqual([]);
    const [owners] = await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM treasury_owners`;
    expect(owners?.n).toBe(0);
  });

  it("needs a reason; with one it works, audited as break-glass, and raises a critical alert", async () => {
    const bare = await x402(
      ["budgets", "set", "builder_agent", "--daily", "3", "--break-glass", "--json"],
      nobody,
    );
    expect(bare.code).toBe(2);
    expect(bare.json()).toMatchObject({ error: { code: "reason_required" } });

    const r = await x402(
      ["kill-switch", "on", "--reason", "console is down, stopping payments", "--break-glass", "--json"],
      nobody,
    );
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ enabled: true });

    const [used] = await auditRows("cli.break_glass");
    expect(used).toMatchObject({
      actor: expect.stringMatching(/^break-glass:/),
      reason: "console is down, stopping payments",
      break_glass: true,
      after: { command: "kill-switch" },
    });
    const [change] = await auditRows("kill_switch.on");
    expect(change).toMatchObject({ actor: used?.actor, break_glass: true });
    // Ordinary rows are not flagged, and the flag cannot be forged on one.
    const flagged = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_log WHERE break_glass AND actor NOT LIKE 'break-glass:%'`;
    expect(flagged[0]?.n).toBe(0);

    const alerts = await t.db.$client<{ id: string; severity: string; message: string }[]>`
      SELECT id, severity, message FROM alerts WHERE kind = 'break_glass'`;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: "critical",
      message: expect.stringContaining("console is down"),
    });
    const outbox = await t.db
      .$client`SELECT channel FROM alert_deliveries WHERE alert_id = ${alerts[0]?.id ?? "0"}`;
    expect(outbox.length).toBeGreaterThan(0);
  });
});
