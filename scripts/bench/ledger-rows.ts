import type postgres from "postgres";

/**
 * Ledger rows shaped like the payer's (lib/payment-core/x402/payer.ts, settle-paid.ts and the
 * engine's budget_apply_batch), for benchmarks that need the ledger's real size:
 *
 * - completed: nonce and validity, tx hash, latency, and the metadata the commit stores:
 *   `request_fingerprint` plus `response` (the vendor's status, headers without set-cookie, and
 *   its whole body, read within X402_MAX_RESPONSE_BYTES). Headers and bodies are those of the
 *   demo vendors (scripts/localnet/vendors.ts): real payments to /search, /code-scan and /dataset
 *   stored 949, 869 and 813 bytes of metadata, rows of 1,441, 1,369 and 1,313 bytes
 *   (`pg_column_size`), which these rows match;
 * - failed: signed, the vendor answered 500, the authorization expired unused and the resolver
 *   released it (metadata `response: {status: 500}`; one audit_log row each, as the resolver
 *   writes one in the same commit);
 * - rejected: budget refusals (the refusal's figures in metadata, the message the database
 *   function writes) and policy refusals (only the fingerprint);
 * - authorized: the last two minutes' payments still in flight.
 */

export const AGENTS = [
  "builder_agent",
  "research_agent",
  "code_review_agent",
  "support_agent",
  "pricing_agent",
  "scraper_agent",
  "qa_agent",
  "ops_agent",
] as const;

/** Shares of the statuses (the rest is completed). */
export const REJECTED_SHARE = 0.04;
export const FAILED_SHARE = 0.03;

export const PAYER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
/** USDC on Base: the payer stores the asset's address, not its symbol. */
export const USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";
export const NETWORK = "eip155:8453";

interface Vendor {
  host: string;
  path: string;
  priceMicro: number;
  latencyMs: number;
  weight: number;
  body: unknown;
}

/** The demo vendors' answers, each on a host of its own (the vendor label is the host). */
export const VENDORS: Vendor[] = [
  {
    host: "search.vendor-a.example",
    path: "/search",
    priceMicro: 10_000,
    latencyMs: 450,
    weight: 40,
    body: {
      query: "x402",
      results: [1, 2, 3].map((rank) => ({
        rank,
        title: `Result ${rank} for "x402"`,
        url: `https://example.com/${rank}`,
      })),
    },
  },
  {
    host: "scan.vendor-b.example",
    path: "/code-scan",
    priceMicro: 250_000,
    latencyMs: 1_600,
    weight: 15,
    body: {
      repository: "example/repo",
      findings: [
        { severity: "high", rule: "hardcoded-secret", file: "config.ts", line: 12 },
        { severity: "low", rule: "unused-import", file: "index.ts", line: 3 },
      ],
    },
  },
  {
    host: "data.vendor-c.example",
    path: "/dataset",
    priceMicro: 2_000_000,
    latencyMs: 2_800,
    weight: 5,
    body: {
      name: "city-weather-2025",
      columns: ["city", "day", "temp_c"],
      rows: [
        ["Lisbon", "2025-01-01", 14.2],
        ["Oslo", "2025-01-01", -3.1],
      ],
    },
  },
  {
    host: "api.vendor-d.example",
    path: "/flaky",
    priceMicro: 50_000,
    latencyMs: 700,
    weight: 25,
    body: { ok: true, value: 415 },
  },
  {
    host: "slow.vendor-e.example",
    path: "/slow",
    priceMicro: 100_000,
    latencyMs: 1_500,
    weight: 15,
    body: { ok: true, waitedMs: 1500 },
  },
];

/** What the payer's commit stores for a settled payment (settle-paid.ts: `{ response }`). */
export function commitMetadata(vendor: Vendor, txHash: string, at: Date): Record<string, unknown> {
  const settle = JSON.stringify({ success: true, payer: PAYER, transaction: txHash, network: NETWORK });
  const body = JSON.stringify(vendor.body);
  return {
    response: {
      status: 200,
      headers: {
        date: at.toUTCString(),
        connection: "keep-alive",
        "keep-alive": "timeout=5",
        "content-type": "application/json",
        "cache-control": "private",
        "content-length": String(Buffer.byteLength(body)),
        "payment-response": Buffer.from(settle).toString("base64"),
      },
      body: vendor.body,
    },
  };
}

/**
 * Rows g in [from, to] of `total`, spread evenly over the `days` days before `end` (a few
 * seconds of jitter), into `table` (transactions, or a copy of it). One statement.
 */
export async function insertLedgerRows(
  sql: postgres.Sql,
  range: { from: number; to: number; total: number; end: Date; days: number; table?: string },
): Promise<void> {
  const weightSum = VENDORS.reduce((a, v) => a + v.weight, 0);
  const cumulative = VENDORS.map(
    (_, i) => VENDORS.slice(0, i + 1).reduce((a, v) => a + v.weight, 0) / weightSum,
  );
  const end = range.end.toISOString();
  await sql.unsafe(
    `
    WITH base AS (
      SELECT g, $1::timestamptz - make_interval(secs => $2::float8 * (1 - g::float8 / $3::float8) + random() * 5) AS ts,
        -- A few agents do most of the buying.
        ($4::text[])[1 + floor(cardinality($4::text[]) * power(random(), 1.6))::int] AS agent,
        random() AS v, random() AS r, random() AS j,
        md5(g::text || 'n') || md5(g::text || 'o') AS nonce_hex, md5(g::text || 't') || md5(g::text || 'u') AS tx_hex,
        md5(g::text || 'f') || md5(g::text || 'g') AS fingerprint, md5(g::text || 'k') AS k
      FROM generate_series($5::int, $6::int) AS g
    ), picked AS (
      SELECT b.*, (SELECT min(i) FROM unnest($7::float8[]) WITH ORDINALITY AS c(p, i) WHERE b.v <= c.p)::int AS vi
      FROM base b
    ), shaped AS (
      SELECT p.*, ($8::jsonb)->(vi - 1) AS vendor,
        CASE WHEN p.ts > $1::timestamptz - interval '2 minutes' AND p.r < 0.3 THEN 'authorized'
             WHEN p.r < $9::float8 THEN 'rejected' WHEN p.r < $9::float8 + $10::float8 THEN 'failed'
             ELSE 'completed' END AS st
      FROM picked p
    ), rowed AS (
      SELECT s.*, '0x' || tx_hex AS hash, (vendor->>'price')::bigint AS price,
        ((vendor->>'latency')::float8 * (0.5 + j))::int AS latency,
        -- Budget refusals carry their figures; policy refusals (requirements, allowlist) only the fingerprint.
        CASE WHEN j < 0.5 THEN 'daily_limit_exceeded' WHEN j < 0.8 THEN 'monthly_limit_exceeded'
             WHEN j < 0.9 THEN 'payment_requirements_rejected' ELSE 'vendor_not_allowed' END AS refusal
      FROM shaped s
    )
    INSERT INTO ${range.table ?? "transactions"} (id, created_at, updated_at, completed_at, agent_id, vendor,
      resource_url, method, amount_micro, asset, network, payer, payee, nonce, valid_after, valid_before, status,
      tx_hash, error_code, error_message, retry_count, latency_ms, idempotency_key, metadata)
    SELECT 'tx_' || substr(k, 1, 24), ts,
      CASE st WHEN 'failed' THEN ts + interval '301 seconds' WHEN 'rejected' THEN ts ELSE ts + make_interval(secs => latency / 1000.0) END,
      CASE WHEN st = 'completed' THEN ts + make_interval(secs => latency / 1000.0) END,
      agent, vendor->>'host', 'https://' || (vendor->>'host') || (vendor->>'path') || '?q=' || (g % 997), 'GET', price,
      $11, $12, $13, vendor->>'payee',
      CASE WHEN st <> 'rejected' THEN '0x' || nonce_hex END,
      CASE WHEN st <> 'rejected' THEN ts - interval '60 seconds' END,
      CASE WHEN st <> 'rejected' THEN ts + interval '300 seconds' END,
      st::transaction_status, CASE WHEN st = 'completed' THEN hash END,
      CASE st WHEN 'failed' THEN 'authorization_expired' WHEN 'rejected' THEN refusal END,
      CASE st
        WHEN 'failed' THEN 'the authorization expired unused at '
          || to_char((ts + interval '300 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          || ' (chain time ' || to_char((ts + interval '301 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ')'
        WHEN 'rejected' THEN CASE WHEN refusal LIKE '%limit_exceeded'
          THEN budget_refusal_message(refusal, agent, price, 100000000, 100000000 - price / 2)
          ELSE 'host ' || (vendor->>'host') || ' is not on agent ' || agent || '''s vendor allowlist' END
      END,
      CASE WHEN st IN ('completed', 'failed') AND j < 0.03 THEN 1 ELSE 0 END,
      CASE WHEN st IN ('completed', 'failed') THEN latency END,
      substr(k, 1, 8) || '-' || substr(k, 9, 4) || '-4' || substr(k, 14, 3) || '-a' || substr(k, 18, 3) || '-' || substr(k, 21, 12),
      jsonb_build_object('request_fingerprint', fingerprint) || CASE st
        WHEN 'completed' THEN jsonb_build_object('response', jsonb_build_object('status', 200, 'body', vendor->'body',
          'headers', jsonb_build_object('date', to_char(ts AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS "GMT"'),
            'connection', 'keep-alive', 'keep-alive', 'timeout=5', 'content-type', 'application/json',
            'cache-control', 'private', 'content-length', vendor->>'length',
            -- The vendor's PAYMENT-RESPONSE: base64 of its compact settlement JSON.
            'payment-response', translate(encode(convert_to('{"success":true,"payer":"' || $13::text
              || '","transaction":"' || hash || '","network":"' || $12::text || '"}', 'UTF8'), 'base64'), E'\\n', ''))))
        WHEN 'failed' THEN '{"response": {"status": 500}}'::jsonb
        WHEN 'rejected' THEN CASE WHEN refusal LIKE '%limit_exceeded' THEN jsonb_build_object('refusal', jsonb_build_object(
          'requestedMicro', price::text, 'limitMicro', '100000000', 'usedMicro', (100000000 - price / 2)::text,
          'remainingMicro', (price / 2)::text)) ELSE '{}'::jsonb END
        ELSE '{}'::jsonb END
    FROM rowed`,
    [
      end,
      range.days * 86_400,
      range.total,
      AGENTS as unknown as string[],
      range.from,
      range.to,
      cumulative,
      sql.json(
        VENDORS.map((v) => ({
          host: v.host,
          path: v.path,
          price: v.priceMicro,
          latency: v.latencyMs,
          body: v.body,
          length: Buffer.byteLength(JSON.stringify(v.body)),
          payee: `0x${Buffer.from(v.host).toString("hex").padEnd(40, "0").slice(0, 40)}`,
        })) as never,
      ),
      REJECTED_SHARE,
      FAILED_SHARE,
      USDC,
      NETWORK,
      PAYER,
    ] as never[],
  );
}

/**
 * What the payment path writes beside the ledger: the resolver's audit row for each released
 * payment (same commit as the release), and the day and month windows in budget_usage (one row
 * per agent per UTC day and per UTC month, updated in place: they do not grow with payments).
 */
export async function insertAuditAndWindows(sql: postgres.Sql): Promise<void> {
  await sql`
    INSERT INTO agents (id, name) SELECT a, initcap(replace(a, '_', ' ')) FROM unnest(${AGENTS as unknown as string[]}::text[]) AS a
    ON CONFLICT (id) DO NOTHING`;
  await sql`
    INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, reason)
    SELECT updated_at, 'system:settlement', 'transaction.release', 'transaction', id,
      jsonb_build_object('status', 'authorized', 'amount_micro', amount_micro::text),
      jsonb_build_object('status', 'failed', 'amount_micro', amount_micro::text, 'tx_hash', NULL), error_message
    FROM transactions WHERE status = 'failed' ORDER BY updated_at`;
  await sql`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
    SELECT agent_id, p.period::budget_period, p.start,
      coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0),
      coalesce(sum(amount_micro) FILTER (WHERE status IN ('pending', 'authorized')), 0)
    FROM transactions t
    CROSS JOIN LATERAL (VALUES ('day', (t.created_at AT TIME ZONE 'UTC')::date),
      ('month', date_trunc('month', t.created_at AT TIME ZONE 'UTC')::date)) AS p(period, start)
    GROUP BY 1, 2, 3`;
}
