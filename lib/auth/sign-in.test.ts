import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser } from "@/lib/payment-core/users";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { clientIp, createSignInThrottle, type SignInThrottleConfig, signInWithPassword } from "./sign-in";

let t: TestDatabase;
const PASSWORD = "the-right-password-1";

const config: SignInThrottleConfig = {
  maxFailuresPerAccount: 3,
  maxFailuresPerIp: 100,
  windowSeconds: 60,
  lockoutSeconds: 2,
  maxLockoutSeconds: 8,
};

beforeAll(async () => {
  t = await createTestDatabase();
  for (const email of ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"]) {
    await addUser(t.db, { email, role: "viewer", password: PASSWORD, actor: "test" });
  }
});
afterAll(async () => t.drop());

async function auditRows(email: string) {
  return t.db.$client<{ reason: string; after: unknown }[]>`
    SELECT reason, after FROM audit_log
    WHERE action = 'auth.sign_in_failed' AND target_id = ${email} ORDER BY id`;
}

describe("sign-in throttling", () => {
  it("refuses even the right password after too many failures, until the lock passes", async () => {
    const throttle = createSignInThrottle(t.db, config);
    const ip = "203.0.113.1";
    const attempt = (password: string) =>
      signInWithPassword(t.db, throttle, { email: "ann@example.com", password, ip });
    for (let i = 0; i < 3; i++)
      expect(await attempt("wrong-password")).toEqual({ ok: false, code: "invalid_credentials" });

    const refused = await attempt(PASSWORD);
    expect(refused).toMatchObject({ ok: false, code: "throttled" });
    if (refused.ok || refused.code !== "throttled") throw new Error("unreachable");
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2);

    await new Promise((r) => setTimeout(r, 2_100));
    expect(await attempt(PASSWORD)).toMatchObject({ ok: true, user: { email: "ann@example.com" } });
  });

  it("doubles the lock each time an account is locked again", async () => {
    const throttle = createSignInThrottle(t.db, config);
    const attempt = (password: string) =>
      signInWithPassword(t.db, throttle, { email: "dan@example.com", password, ip: "203.0.113.9" });
    for (let i = 0; i < 3; i++) await attempt("wrong-password");
    await new Promise((r) => setTimeout(r, 2_100));
    // The lock has passed; three more failures lock it for twice as long.
    for (let i = 0; i < 3; i++)
      expect(await attempt("wrong-password")).toMatchObject({ code: "invalid_credentials" });
    const refused = await attempt(PASSWORD);
    expect(refused).toMatchObject({ ok: false, code: "throttled" });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(3);
  });

  it("shares counts between processes through PostgreSQL", async () => {
    const other = t.connect(2);
    const here = createSignInThrottle(t.db, config);
    const there = createSignInThrottle(other, config);
    const ip = "203.0.113.2";
    await signInWithPassword(t.db, here, { email: "bob@example.com", password: "nope-1", ip });
    await signInWithPassword(other, there, { email: "bob@example.com", password: "nope-2", ip });
    await signInWithPassword(t.db, here, { email: "bob@example.com", password: "nope-3", ip });
    const refused = await signInWithPassword(other, there, {
      email: "bob@example.com",
      password: PASSWORD,
      ip,
    });
    expect(refused).toMatchObject({ ok: false, code: "throttled" });
  });

  it("limits one address across many accounts", async () => {
    const throttle = createSignInThrottle(t.db, {
      ...config,
      maxFailuresPerAccount: 100,
      maxFailuresPerIp: 4,
    });
    const ip = "198.51.100.7";
    for (let i = 0; i < 4; i++) {
      await signInWithPassword(t.db, throttle, { email: `nobody${i}@example.com`, password: "x", ip });
    }
    const refused = await signInWithPassword(t.db, throttle, {
      email: "cat@example.com",
      password: PASSWORD,
      ip,
    });
    expect(refused).toMatchObject({ ok: false, code: "throttled" });
    // Another address is not affected.
    const fine = await signInWithPassword(t.db, throttle, {
      email: "cat@example.com",
      password: PASSWORD,
      ip: "198.51.100.8",
    });
    expect(fine.ok).toBe(true);
  });

  it("audits every failure with its reason, never the password", async () => {
    const ann = await auditRows("ann@example.com");
    expect(ann.map((r) => r.reason)).toEqual([
      "wrong_password",
      "wrong_password",
      "wrong_password",
      "throttled",
    ]);
    expect(JSON.stringify(ann)).not.toContain("wrong-password");
    expect(JSON.stringify(ann)).not.toContain(PASSWORD);
    const unknown = await auditRows("nobody0@example.com");
    expect(unknown.map((r) => r.reason)).toEqual(["unknown_email"]);
    expect(unknown[0]?.after).toMatchObject({ ip: "198.51.100.7" });
  });

  it("takes as long for an unknown email as for a known one", async () => {
    const throttle = createSignInThrottle(t.db, {
      ...config,
      maxFailuresPerAccount: 1000,
      maxFailuresPerIp: 1000,
    });
    const time = async (email: string) => {
      const started = performance.now();
      for (let i = 0; i < 3; i++) {
        await signInWithPassword(t.db, throttle, { email, password: `wrong-${i}`, ip: "192.0.2.50" });
      }
      return performance.now() - started;
    };
    await time("cat@example.com"); // warm-up
    const known = await time("cat@example.com");
    const unknown = await time("nobody-at-all@example.com");
    expect(unknown).toBeGreaterThanOrEqual(known * 0.5);
  });

  it("reads the client address from the nearest proxy's x-forwarded-for entry", () => {
    expect(clientIp({ "x-forwarded-for": "10.0.0.1, 203.0.113.5" })).toBe("203.0.113.5");
    expect(clientIp({ "x-real-ip": "203.0.113.6" })).toBe("203.0.113.6");
    expect(clientIp({})).toBe("unknown");
  });
});
