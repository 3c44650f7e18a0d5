import { sql } from "drizzle-orm";
import type { fetch as undiciFetch } from "undici";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import type { AlertsEnv } from "../support/config";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock } from "../support/time";
import { discordBody, webhookBody } from "./messages";
import type { AlertMessage } from "./types";

/**
 * The notification outbox (`alert_deliveries`): a message is a row per channel, written in the
 * database (in the same transaction as the alert that caused it, when there is one), so nothing
 * is lost to a crash or a restart; `deliverOutbox` sends what is due and records the outcome.
 *
 * Claiming is one statement: due rows are picked with `FOR UPDATE SKIP LOCKED` and their
 * `next_attempt_at` moved past the request's timeout (a lease) before anything is sent, so two
 * processes never send the same row, and a process that dies mid-send leaves the row to be
 * retried after the lease.
 */

export const CHANNELS = ["discord", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;
/** Rows one call sends at most, so a backlog cannot hold a scheduled run for long. */
const MAX_PER_CALL = 100;
const MAX_ANSWER_CHARS = 4096;

/**
 * Puts a message in the outbox for every channel (a channel with no URL configured is marked
 * `skipped` when delivery runs). Pass a transaction to enqueue together with another write.
 * Returns the outbox row ids.
 */
export async function enqueueMessage(
  target: DbOrTx,
  message: AlertMessage,
  options: { channels?: readonly Channel[]; now?: Date } = {},
): Promise<number[]> {
  const now = (options.now ?? new Date()).toISOString();
  const ids: number[] = [];
  for (const channel of options.channels ?? CHANNELS) {
    const [row] = await target.execute<{ id: string }>(sql`
      INSERT INTO alert_deliveries (created_at, alert_id, channel, payload, next_attempt_at)
      VALUES (${now}::timestamptz, ${message.alertId ?? null}, ${channel}, ${JSON.stringify(message)}::jsonb,
        ${now}::timestamptz)
      RETURNING id`);
    if (row) ids.push(Number(row.id));
  }
  return ids;
}

export interface DeliverDeps {
  config: { alerts: AlertsEnv };
  clock?: Clock;
  /** undici's fetch, or a stand-in with its shape. */
  fetch?: typeof undiciFetch;
  log?: Logger;
  /** The first retry's delay; each further one doubles, up to an hour. */
  retryBaseMs?: number;
}

export interface DeliverResult {
  delivered: number;
  retried: number;
  failed: number;
}

type Claimed = {
  id: string;
  channel: Channel;
  payload: AlertMessage;
  attempts: number;
};

type Attempt = { ok: true } | { ok: false; error: string; retryAfterMs: number | null; permanent: boolean };

/** Discord's 429 says when to come back: `retry_after` (seconds) in the JSON body, or the Retry-After header. */
export function retryAfterMs(body: string, header: string | null): number | null {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown };
    const seconds = Number(parsed?.retry_after);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  } catch {
    // not JSON: fall back to the header
  }
  if (header !== null && /^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  return null;
}

async function send(url: string, body: unknown, deps: DeliverDeps): Promise<Attempt> {
  // undici only when a message goes out: everything that imports the outbox (the CLI's break-glass
  // path, every command) need not load it.
  const fetchFn = deps.fetch ?? (await import("undici")).fetch;
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      // A webhook that redirects is misconfigured; following it would post the alert elsewhere.
      redirect: "manual",
      signal: AbortSignal.timeout(deps.config.alerts.deliveryTimeoutMs),
    });
    const text = (await res.text()).slice(0, MAX_ANSWER_CHARS);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const error = `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
    if (res.status === 429) {
      return {
        ok: false,
        error,
        retryAfterMs: retryAfterMs(text, res.headers.get("retry-after")),
        permanent: false,
      };
    }
    // A refused request (bad payload, deleted webhook) will not succeed by itself.
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408;
    return { ok: false, error, retryAfterMs: null, permanent };
  } catch (error) {
    const e = error as Error;
    return {
      ok: false,
      error: `${e.name}: ${e.message}`.slice(0, 300),
      retryAfterMs: null,
      permanent: false,
    };
  }
}

/** Sends every due outbox row once; failures are rescheduled (backoff, or the channel's Retry-After). */
export async function deliverOutbox(db: Database, deps: DeliverDeps): Promise<DeliverResult> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? silentLog;
  const urls: Record<Channel, string | undefined> = {
    discord: deps.config.alerts.discordWebhookUrl,
    webhook: deps.config.alerts.webhookUrl,
  };
  const result: DeliverResult = { delivered: 0, retried: 0, failed: 0 };
  const unconfigured = CHANNELS.filter((c) => !urls[c]);
  if (unconfigured.length > 0) {
    await db.execute(sql`
      UPDATE alert_deliveries SET status = 'skipped', last_error = 'channel not configured'
      WHERE status = 'pending' AND channel = ANY(${sql.param(unconfigured)}::text[])`);
  }
  // A channel that answered 429 gets nothing more in this call.
  const blocked = new Set<Channel>(unconfigured);
  const leaseMs = deps.config.alerts.deliveryTimeoutMs + 30_000;
  for (let sent = 0; sent < MAX_PER_CALL; sent++) {
    const now = clock();
    const open = CHANNELS.filter((c) => !blocked.has(c));
    if (open.length === 0) break;
    const [row] = await db.execute<Claimed>(sql`
      UPDATE alert_deliveries d SET attempts = d.attempts + 1,
        next_attempt_at = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
      FROM (
        SELECT id FROM alert_deliveries
        WHERE status = 'pending' AND next_attempt_at <= ${now.toISOString()}::timestamptz
          AND channel = ANY(${sql.param(open)}::text[])
        ORDER BY next_attempt_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE d.id = due.id
      RETURNING d.id, d.channel, d.payload, d.attempts`);
    if (!row) break;
    const url = urls[row.channel] as string;
    const payload = typeof row.payload === "string" ? (JSON.parse(row.payload) as AlertMessage) : row.payload;
    const body = row.channel === "discord" ? discordBody(payload) : webhookBody(payload);
    const attempt = await send(url, body, deps);
    const at = clock();
    if (attempt.ok) {
      await db.execute(sql`
        UPDATE alert_deliveries SET status = 'delivered', delivered_at = ${at.toISOString()}::timestamptz,
          last_error = NULL
        WHERE id = ${row.id}`);
      result.delivered++;
      log.info({ deliveryId: row.id, channel: row.channel, code: payload.code }, "alert delivered");
      continue;
    }
    if (attempt.permanent || row.attempts >= deps.config.alerts.deliveryMaxAttempts) {
      await db.execute(sql`
        UPDATE alert_deliveries SET status = 'failed', last_error = ${attempt.error} WHERE id = ${row.id}`);
      result.failed++;
      log.error(
        { deliveryId: row.id, channel: row.channel, attempts: row.attempts, error: attempt.error },
        "alert delivery failed",
      );
      continue;
    }
    const base = deps.retryBaseMs ?? RETRY_BASE_MS;
    const backoff = Math.min(RETRY_MAX_MS, base * 2 ** Math.min(row.attempts - 1, 20));
    const delay = attempt.retryAfterMs ?? backoff;
    if (attempt.retryAfterMs !== null) blocked.add(row.channel);
    await db.execute(sql`
      UPDATE alert_deliveries SET last_error = ${attempt.error},
        next_attempt_at = ${new Date(at.getTime() + delay).toISOString()}::timestamptz
      WHERE id = ${row.id}`);
    result.retried++;
    log.warn(
      {
        deliveryId: row.id,
        channel: row.channel,
        attempts: row.attempts,
        retryInMs: delay,
        error: attempt.error,
      },
      "alert delivery will be retried",
    );
  }
  return result;
}
