import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedDemoUsers } from "@/db/seed";
import { addUser, BCRYPT_COST, dummyPasswordHash } from "@/lib/payment-core/access/users";
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
  // The demo's users, hashed as the demo hashes them.
  await seedDemoUsers(t.db, { actor: "test" });
});
afterAll(async () => t.drop());

/**
 * The account's lock runs out: its window's expiry (epoch ms in rate_limits) moves into the
 * past, as the clock would move it, so the test never waits on the wall clock.
 */
async function passLock(email: string) {
  const moved = await t.db.$client`
    UPDATE rate_limits SET expire = (extract(epoch FROM now()) * 1000)::bigint - 1
    WHERE key = ${`signin_account:${email}`}`;
  expect(moved.count).toBe(1);
}

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

    // Still locked a moment later; once the lock has run out, the right password gets in.
    expect(await attempt(PASSWORD)).toMatchObject({ ok: false, code: "throttled" });
    await passLock("ann@example.com");
    expect(await attempt(PASSWORD)).toMatchObject({ ok: true, user: { email: "ann@example.com" } });
  });

  it("doubles the lock each time an account is locked again", async () => {
    const throttle = createSignInThrottle(t.db, config);
    const attempt = (password: string) =>
      signInWithPassword(t.db, throttle, { email: "dan@example.com", password, ip: "203.0.113.9" });
    for (let i = 0; i < 3; i++) await attempt("wrong-password");
    await passLock("dan@example.com");
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
      "throttled",
    ]);
    expect(JSON.stringify(ann)).not.toContain("wrong-password");
    expect(JSON.stringify(ann)).not.toContain(PASSWORD);
    const unknown = await auditRows("nobody0@example.com");
    expect(unknown.map((r) => r.reason)).toEqual(["unknown_email"]);
    expect(unknown[0]?.after).toMatchObject({ ip: "198.51.100.7" });
  });

  it("reads the client address as the socket peer, or past trusted proxies only", () => {
    // The last entry is the peer the server saw (lib/http/peer-address.ts appends it).
    const chain = { "x-forwarded-for": "198.51.100.1, 203.0.113.5, 10.0.0.7" };
    expect(clientIp(chain, [])).toBe("10.0.0.7");
    expect(clientIp(chain, ["10.0.0.0/8"])).toBe("203.0.113.5");
    expect(clientIp(chain, ["10.0.0.0/8", "203.0.113.5"])).toBe("198.51.100.1");
    // x-real-ip is whatever the client wrote: never read.
    expect(clientIp({ "x-real-ip": "203.0.113.6" }, [])).toBe("unknown");
    expect(clientIp({}, [])).toBe("unknown");
  });
});

describe("sign-in timing does not tell which emails have accounts", () => {
  it("compares unknown emails against a hash at the cost of every stored hash, the demo seed's included", async () => {
    const dummyCost = bcrypt.getRounds(await dummyPasswordHash());
    expect(dummyCost).toBe(BCRYPT_COST);
    const rows = await t.db.$client<{ email: string; password_hash: string }[]>`
      SELECT email, password_hash FROM users ORDER BY email`;
    expect(rows.map((r) => r.email)).toContain("viewer@demo.local");
    expect(rows.map((r) => [r.email, bcrypt.getRounds(r.password_hash)])).toEqual(
      rows.map((r) => [r.email, dummyCost]),
    );
  });

  it("runs one bcrypt comparison, at that cost, for an unknown email as for a known one", async () => {
    // What the time of a sign-in depends on, counted rather than timed (a clock on a loaded
    // machine says little): the same work for both, so no timing tells the two apart.
    const throttle = createSignInThrottle(t.db, {
      ...config,
      maxFailuresPerAccount: 1000,
      maxFailuresPerIp: 1000,
    });
    const compare = vi.spyOn(bcrypt, "compare");
    try {
      const costs = async (email: string) => {
        compare.mockClear();
        const result = await signInWithPassword(t.db, throttle, {
          email,
          password: "wrong",
          ip: "192.0.2.50",
        });
        expect(result).toEqual({ ok: false, code: "invalid_credentials" });
        return compare.mock.calls.map(([, hash]) => bcrypt.getRounds(hash as string));
      };
      expect(await costs("viewer@demo.local")).toEqual([BCRYPT_COST]);
      expect(await costs("nobody-at-all@example.com")).toEqual([BCRYPT_COST]);
    } finally {
      compare.mockRestore();
    }
  });
});
