import type { IncomingMessage } from "node:http";
import { type SQL, sql } from "drizzle-orm";
import proxyaddr from "proxy-addr";
import { RateLimiterPostgres, type RateLimiterRes } from "rate-limiter-flexible";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";

/**
 * Request counting shared by sign-in throttling and the programmatic API. Counts live in the
 * `rate_limits` table (created by a migration) through rate-limiter-flexible, so every
 * console process and every restart sees the same counts.
 */

/**
 * rate-limiter-flexible's PostgreSQL store expects a node-postgres client (`query({ text,
 * values })` answering `{ rows, rowCount }`); this is that shape over drizzle's `execute`, the
 * library's `$n` placeholders becoming parameters; its statement names are dropped. int8 arrives as a
 * bigint from this project's client and the library does arithmetic with numbers, so the
 * `expire` column (epoch milliseconds) is turned back into a number.
 */
export function pgStyleClient(db: DbOrTx) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.execute(numbered(q.text, q.values ?? []));
      const rows = result.map((row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
      );
      return { rows, rowCount: result.count ?? rows.length };
    },
  };
}

/** node-postgres's `$1 … $n` text and values as one drizzle statement with the same parameters. */
function numbered(text: string, values: unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const m of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, m.index)), sql`${sql.param(values[Number(m[1]) - 1])}`);
    last = m.index + m[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

/** A limiter over the shared `rate_limits` table; `keyPrefix` keeps each use's keys apart. */
export function postgresLimiter(
  db: Database,
  options: { keyPrefix: string; points: number; duration: number; clearExpiredByTimeout?: boolean },
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: pgStyleClient(db),
    storeType: "client",
    tableName: "rate_limits",
    tableCreated: true,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.duration,
    clearExpiredByTimeout: options.clearExpiredByTimeout ?? false,
  });
}

/** Whole seconds until a limiter's window frees a point, never less than one (Retry-After). */
export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

export type LimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number; limit: number };

/** At most `limit` events per key within a fixed window of `windowSeconds`. */
export interface WindowLimiter {
  limit: number;
  windowSeconds: number;
  /** Counts one event; refuses when it is over the limit (the refused event is counted too). */
  take(key: string): Promise<LimitDecision>;
  /** Refuses when the key has already reached the limit, without counting. */
  check(key: string): Promise<LimitDecision>;
  /** Gives one counted event back. */
  giveBack(key: string): Promise<void>;
}

export function windowLimiter(
  db: Database,
  options: { keyPrefix: string; limit: number; windowSeconds: number },
): WindowLimiter {
  const store = postgresLimiter(db, {
    keyPrefix: options.keyPrefix,
    points: options.limit,
    duration: options.windowSeconds,
  });
  const refuse = (res: RateLimiterRes): LimitDecision => ({
    ok: false,
    retryAfterSeconds: retryAfterSeconds(res),
    limit: options.limit,
  });
  return {
    limit: options.limit,
    windowSeconds: options.windowSeconds,
    async take(key) {
      // penalty() answers with the count instead of rejecting, so store errors stay errors.
      const res = await store.penalty(key);
      return res.consumedPoints > options.limit ? refuse(res) : { ok: true };
    },
    async check(key) {
      const res = await store.get(key);
      return res && res.consumedPoints >= options.limit && res.msBeforeNext > 0 ? refuse(res) : { ok: true };
    },
    async giveBack(key) {
      await store.reward(key);
    },
  };
}

/**
 * The client's address, from the `x-forwarded-for` chain whose last entry is the socket peer this
 * server saw (lib/http/peer-address.ts appends it to every request before Next reads it; Next 16
 * itself only fills the header when a client sent none, so a forged header would otherwise
 * replace the peer). The chain is walked from the right with proxy-addr's rules (Express's
 * `trust proxy`): each hop that is a trusted proxy hands over to the entry before it, and the
 * first untrusted hop is the client. With no trusted proxies (X402_TRUSTED_PROXIES unset) that
 * is the socket peer, whatever the client wrote. Every throttle keyed by address uses this.
 */
export function clientIp(
  headers: Headers | Record<string, unknown> | undefined,
  trustedProxies: readonly string[],
): string {
  const read = (name: string): unknown =>
    headers instanceof Headers ? (headers.get(name) ?? undefined) : headers?.[name];
  const raw = read("x-forwarded-for");
  const hops = (Array.isArray(raw) ? raw.join(",") : typeof raw === "string" ? raw : "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const peer = hops.pop();
  if (!peer) return "unknown";
  // proxy-addr reads the peer from the socket and the rest from the header; given the same here.
  const request = { connection: { remoteAddress: peer }, headers: { "x-forwarded-for": hops.join(", ") } };
  return proxyaddr(request as unknown as IncomingMessage, proxyaddr.compile([...trustedProxies])).slice(
    0,
    100,
  );
}

/** Why an X402_TRUSTED_PROXIES entry is refused (proxy-addr's own parse), or null when it is valid. */
export function trustedProxyError(entry: string): string | null {
  try {
    proxyaddr.compile(entry);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
