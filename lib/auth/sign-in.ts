import { RateLimiterPostgres, type RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "@/db/client";
import { writeAudit } from "@/lib/payment-core/audit";
import { checkUserPassword, type User } from "@/lib/payment-core/users";

/** Sign-in throttling; the defaults and their variables are in lib/env.ts and the README. */
export interface SignInThrottleConfig {
  /** Failed sign-ins for one email within the window before it is locked. */
  maxFailuresPerAccount: number;
  /** Failed sign-ins from one client address within the window before it is refused. */
  maxFailuresPerIp: number;
  windowSeconds: number;
  /** The first lock; each further lock within a day doubles it, up to maxLockoutSeconds. */
  lockoutSeconds: number;
  maxLockoutSeconds: number;
}

export type SignInResult =
  | { ok: true; user: User }
  | { ok: false; code: "invalid_credentials" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number };

/** The message next-auth carries to the login form, which shows it as it is. */
export function throttledMessage(retryAfterSeconds: number): string {
  return `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`;
}

/**
 * rate-limiter-flexible's PostgreSQL store expects a node-postgres client (`query({ text,
 * values })` answering `{ rows, rowCount }`); this is that shape over postgres.js. Its
 * statement names are dropped: postgres.js prepares statements itself. int8 arrives as a
 * bigint from this project's client and the library does arithmetic with numbers, so the
 * `expire` column (epoch milliseconds) is turned back into a number.
 */
function pgStyleClient(sql: Database["$client"]) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await sql.unsafe(q.text, (q.values ?? []) as never[]);
      const rows = result.map((row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
      );
      return { rows, rowCount: result.count ?? rows.length };
    },
  };
}

export interface SignInThrottle {
  config: SignInThrottleConfig;
  /** Counts an attempt before the password is checked; refuses when a limit is reached. */
  begin(email: string, ip: string): Promise<{ retryAfterSeconds: number } | null>;
  fail(email: string, ip: string): Promise<void>;
  succeed(email: string, ip: string): Promise<void>;
}

/**
 * Counts are kept in the `rate_limits` table (created by a migration), so every console
 * process and every restart sees the same counts.
 */
export function createSignInThrottle(db: Database, config: SignInThrottleConfig): SignInThrottle {
  const storeClient = pgStyleClient(db.$client);
  const common = { storeClient, storeType: "client", tableName: "rate_limits", tableCreated: true };
  const byAccount = new RateLimiterPostgres({
    ...common,
    keyPrefix: "signin_account",
    points: config.maxFailuresPerAccount,
    duration: config.windowSeconds,
    // One limiter sweeps expired rows for the whole table.
    clearExpiredByTimeout: true,
  });
  const byIp = new RateLimiterPostgres({
    ...common,
    keyPrefix: "signin_ip",
    points: config.maxFailuresPerIp,
    duration: config.windowSeconds,
    clearExpiredByTimeout: false,
  });
  // How many times the account was locked today: each lock lasts twice as long as the last.
  const lockouts = new RateLimiterPostgres({
    ...common,
    keyPrefix: "signin_lockouts",
    points: 1_000_000,
    duration: 24 * 60 * 60,
    clearExpiredByTimeout: false,
  });
  const seconds = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

  return {
    config,
    async begin(email, ip) {
      // The attempt is counted before bcrypt runs, so parallel guesses cannot all slip
      // through on the same count; a good password gives its point back.
      const [account, client] = await Promise.all([byAccount.penalty(email), byIp.penalty(ip)]);
      const refused = [
        account.consumedPoints > config.maxFailuresPerAccount ? seconds(account) : 0,
        client.consumedPoints > config.maxFailuresPerIp ? seconds(client) : 0,
      ];
      const wait = Math.max(...refused);
      return wait > 0 ? { retryAfterSeconds: wait } : null;
    },
    async fail(email) {
      const account = await byAccount.get(email);
      if (account && account.consumedPoints >= config.maxFailuresPerAccount) {
        const count = (await lockouts.penalty(email)).consumedPoints;
        const lock = Math.min(config.lockoutSeconds * 2 ** Math.min(count - 1, 30), config.maxLockoutSeconds);
        await byAccount.block(email, lock);
      }
    },
    async succeed(email, ip) {
      await Promise.all([byAccount.delete(email), lockouts.delete(email), byIp.reward(ip)]);
    },
  };
}

/**
 * Email and password sign-in with throttling and an audit row for every failure (never the
 * password). Unknown emails are counted like known ones, so the throttle does not reveal
 * which accounts exist either.
 */
export async function signInWithPassword(
  db: Database,
  throttle: SignInThrottle,
  input: { email: string; password: string; ip: string },
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const refused = await throttle.begin(email, input.ip);
  if (refused) {
    await writeAudit(db.$client, {
      actor: email,
      action: "auth.sign_in_failed",
      targetType: "email",
      targetId: email,
      after: { ip: input.ip, retryAfterSeconds: refused.retryAfterSeconds },
      reason: "throttled",
    });
    return { ok: false, code: "throttled", retryAfterSeconds: refused.retryAfterSeconds };
  }
  const check = await checkUserPassword(db, email, input.password);
  if (!check.ok) {
    await throttle.fail(email, input.ip);
    await writeAudit(db.$client, {
      actor: email,
      action: "auth.sign_in_failed",
      targetType: "email",
      targetId: email,
      after: { ip: input.ip },
      reason: check.reason,
    });
    return { ok: false, code: "invalid_credentials" };
  }
  await throttle.succeed(email, input.ip);
  await writeAudit(db.$client, {
    actor: check.user.email,
    action: "user.sign_in",
    targetType: "user",
    targetId: check.user.id,
  });
  return { ok: true, user: check.user };
}

/**
 * The client's address as the nearest proxy saw it: the last x-forwarded-for entry (Next sets
 * the header to the socket's address when no proxy did). Behind several proxies this is the
 * last proxy's view; a client talking to `next start` directly can forge it, and the
 * per-account limit still holds then.
 */
export function clientIp(headers: Record<string, unknown> | undefined): string {
  const raw = headers?.["x-forwarded-for"] ?? headers?.["x-real-ip"];
  const value = Array.isArray(raw) ? raw.join(",") : typeof raw === "string" ? raw : "";
  const last = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .at(-1);
  return (last ?? "unknown").slice(0, 100);
}
