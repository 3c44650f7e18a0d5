import type { Database } from "@/db/client";
import { writeAudit } from "../audit-log/write";
import { findUnsafeCharacter } from "../support/safe-text";
import { clientIp, postgresLimiter, retryAfterSeconds as seconds } from "./rate-limit";
import { checkUserPassword, type User } from "./users";

/**
 * Sign-in throttling, for the console (lib/auth/options.ts) and `x402 login` alike; the defaults
 * and their variables are in lib/env.ts and docs/configuration.md.
 */
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
  const byAccount = postgresLimiter(db, {
    keyPrefix: "signin_account",
    points: config.maxFailuresPerAccount,
    duration: config.windowSeconds,
    // One limiter sweeps expired rows for the whole table.
    clearExpiredByTimeout: true,
  });
  const byIp = postgresLimiter(db, {
    keyPrefix: "signin_ip",
    points: config.maxFailuresPerIp,
    duration: config.windowSeconds,
  });
  // How many times the account was locked today: each lock lasts twice as long as the last.
  const lockouts = postgresLimiter(db, {
    keyPrefix: "signin_lockouts",
    points: 1_000_000,
    duration: 24 * 60 * 60,
  });

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
  // No account's address holds a control character or a lone surrogate (the forms refuse them),
  // and PostgreSQL cannot store a NUL: such an address is a wrong one, refused before the
  // throttle or the audit log is written (a NUL there was a failed insert, a 500).
  if (findUnsafeCharacter(email)) return { ok: false, code: "invalid_credentials" };
  const refused = await throttle.begin(email, input.ip);
  if (refused) {
    await writeAudit(db, {
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
    await writeAudit(db, {
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
  await writeAudit(db, {
    actor: check.user.email,
    action: "user.sign_in",
    targetType: "user",
    targetId: check.user.id,
  });
  return { ok: true, user: check.user };
}

// Kept importable from here: next-auth's options read the address through this module.
export { clientIp };
