import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { checkLedgerRollups } from "../budget-audit/ledger-rollups";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import {
  countAndPaid,
  foldRollups,
  histogramPercentiles,
  type LatencyBin,
  rangeSegments,
  rangeTotals,
  rebuildRollups,
} from "./rollups";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("rangeSegments", () => {
  const t0 = Date.parse("2026-03-10T00:00:00Z");

  it("cuts a range into whole days, hours and minutes, coarsest where each fits, the ledger at the ends", () => {
    const from = t0 - 2 * HOUR - 90 * 1000 - 250; // 21:58:29.750 the day before
    const to = t0 + DAY + 3 * HOUR + 5 * MIN + 7_000; // 03:05:07 the day after
    const segs = rangeSegments(from, to, ["day", "hour", "minute"]);
    expect(segs.map((s) => [s.source, new Date(s.from).toISOString(), new Date(s.to).toISOString()])).toEqual(
      [
        ["ledger", "2026-03-09T21:58:29.750Z", "2026-03-09T21:59:00.000Z"],
        ["minute", "2026-03-09T21:59:00.000Z", "2026-03-09T22:00:00.000Z"],
        ["hour", "2026-03-09T22:00:00.000Z", "2026-03-10T00:00:00.000Z"],
        ["day", "2026-03-10T00:00:00.000Z", "2026-03-11T00:00:00.000Z"],
        ["hour", "2026-03-11T00:00:00.000Z", "2026-03-11T03:00:00.000Z"],
        ["minute", "2026-03-11T03:00:00.000Z", "2026-03-11T03:05:00.000Z"],
        ["ledger", "2026-03-11T03:05:00.000Z", "2026-03-11T03:05:07.000Z"],
      ],
    );
  });

  it("covers any range exactly, in order, without overlap (open ends included)", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const a = t0 + Math.floor((rand() - 0.5) * 10 * DAY);
      const b = a + Math.floor(rand() * (rand() < 0.3 ? 2 * HOUR : 5 * DAY));
      const from = rand() < 0.1 ? Number.NEGATIVE_INFINITY : a;
      const to = rand() < 0.1 ? Number.POSITIVE_INFINITY : b;
      const units = rand() < 0.5 ? (["day", "hour", "minute"] as const) : (["day", "hour"] as const);
      const segs = rangeSegments(from, to, units);
      if (!(from < to)) {
        expect(segs).toEqual([]);
        continue;
      }
      expect(segs[0]?.from).toBe(from);
      expect(segs.at(-1)?.to).toBe(to);
      for (let k = 1; k < segs.length; k++) expect(segs[k]?.from).toBe(segs[k - 1]?.to);
      for (const s of segs) {
        expect(s.from < s.to).toBe(true);
        if (s.source === "ledger") {
          // What the ledger reads is at an end, and less than two of the finest unit (one when a whole one fits).
          expect(s.from === from || s.to === to).toBe(true);
          const unit = units.at(-1) === "minute" ? MIN : HOUR;
          expect(s.to - s.from).toBeLessThan(segs.length === 1 ? 2 * unit : unit);
        } else {
          const step = { day: DAY, hour: HOUR, minute: MIN }[s.source];
          if (Number.isFinite(s.from)) expect(s.from % step).toBe(0);
          if (Number.isFinite(s.to)) expect(s.to % step).toBe(0);
        }
      }
    }
  });
});

describe("histogramPercentiles", () => {
  it("is percentile_cont where every bin holds one value", () => {
    const values = [120, 250, 250, 400, 900, 1_200, 5_000];
    const bins: LatencyBin[] = [...new Set(values)].map((v, k) => {
      const n = values.filter((x) => x === v).length;
      return { i: 0, bucket: k, n, sumMs: v * n };
    });
    // percentile_cont: rank p·(N−1), interpolated. N = 7: p50 → rank 3 → 400; p95 → rank 5.7 → 1200 + 0.7·3800.
    const [p50, p95, p0] = histogramPercentiles(bins, [0.5, 0.95, 0]);
    expect([p50, p0]).toEqual([400, 120]);
    expect(p95).toBeCloseTo(1_200 + 0.7 * 3_800, 9);
    expect(histogramPercentiles([], [0.5])).toEqual([null]);
  });
});

describe("ledger rollups in a database", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());
  beforeEach(async () => {
    await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log");
  });

  const AGENTS = ["builder_agent", "research_agent", "code_review_agent"];
  const VENDORS = ["search-api", "news-api", ""];
  const STATUSES = ["completed", "failed", "rejected", "pending", "authorized", "cancelled"] as const;

  /** `n` rows spread over `spanMs` before `end`, every agent, vendor and status, some exactly on minute and hour marks. */
  async function insertRows(n: number, end: number, spanMs: number, prefix: string) {
    let seed = 11;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const rows = Array.from({ length: n }, (_, k) => {
      const onMark = k % 17 === 0;
      const raw = end - Math.floor(rand() * spanMs);
      const at = onMark ? Math.floor(raw / (k % 34 === 0 ? HOUR : MIN)) * (k % 34 === 0 ? HOUR : MIN) : raw;
      const status = STATUSES[k % STATUSES.length] as string;
      return {
        id: `tx_${prefix}_${k}`,
        created_at: new Date(at).toISOString(),
        agent_id: AGENTS[k % 3] as string,
        vendor: VENDORS[Math.floor(rand() * 3)] as string,
        amount_micro: String(1 + Math.floor(rand() * 3_000_000)),
        status,
        error_code: status === "authorized" && k % 2 === 0 ? "vendor_error" : null,
        latency_ms: status === "rejected" ? null : Math.floor(rand() * 9_000),
      };
    });
    await t.db.execute(sql`
      INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, amount_micro, status, error_code, latency_ms)
      SELECT r.id, r.created_at, r.created_at, r.agent_id, r.vendor, r.amount_micro, r.status::transaction_status,
        r.error_code, r.latency_ms
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, created_at timestamptz, agent_id text,
        vendor text, amount_micro bigint, status text, error_code text, latency_ms int)`);
  }

  /** The ledger's own count and paid sum for a range and filter: what the rollups must give. */
  async function direct(
    from: Date | null,
    to: Date | null,
    f: { agentId?: string; vendor?: string; status?: string },
    openStart = false,
  ) {
    const [row] = await t.db.execute<{ n: string; paid: string }>(sql`
      SELECT count(*)::text AS n, coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::text AS paid
      FROM transactions WHERE TRUE
        ${from ? (openStart ? sql`AND created_at > ${from.toISOString()}::timestamptz` : sql`AND created_at >= ${from.toISOString()}::timestamptz`) : sql``}
        ${to ? (openStart ? sql`AND created_at <= ${to.toISOString()}::timestamptz` : sql`AND created_at < ${to.toISOString()}::timestamptz`) : sql``}
        ${f.agentId !== undefined ? sql`AND agent_id = ${f.agentId}` : sql``}
        ${f.vendor !== undefined ? sql`AND vendor = ${f.vendor}` : sql``}
        ${f.status ? sql`AND status = ${f.status}::transaction_status` : sql``}`);
    return { count: Number(row?.n), paidMicro: BigInt(row?.paid ?? "0") };
  }

  async function expectRangesMatch(end: number) {
    let seed = 3;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 60; k++) {
      const a = end - Math.floor(rand() * 4 * DAY);
      const roundTo = [1, 1_000, MIN, HOUR, DAY][k % 5] as number;
      const from = k % 11 === 0 ? null : new Date(Math.floor(a / roundTo) * roundTo);
      const to = k % 13 === 0 ? null : new Date(a + Math.floor(rand() * 2 * DAY));
      const f = {
        agentId: k % 3 === 0 ? AGENTS[k % 3] : undefined,
        vendor: k % 4 === 0 ? VENDORS[k % 3] : undefined,
        status: k % 5 === 0 ? STATUSES[k % 6] : undefined,
      };
      const openStart = k % 2 === 1;
      const totals = await rangeTotals(
        t.db,
        { from, to },
        { agentId: f.agentId, vendor: f.vendor, statuses: f.status ? [f.status] : undefined },
        { openStart },
      );
      expect(countAndPaid(totals), JSON.stringify({ from, to, f, openStart })).toEqual(
        await direct(from, to, f, openStart),
      );
    }
  }

  it("any range's totals equal the ledger's, folded or not, after inserts, updates and deletes", async () => {
    const end = Date.parse("2026-03-10T12:34:56.789Z");
    await insertRows(1_500, end, 3 * DAY, "a");
    // Before any fold: rollups empty, everything in the deltas.
    await expectRangesMatch(end);
    expect((await checkLedgerRollups(t.db)).total).toBe(0);
    expect(await foldRollups(t.db)).toBeGreaterThan(0);
    expect(await foldRollups(t.db)).toBe(0);
    await expectRangesMatch(end);
    // Statuses move (settlement), amounts change (upto), errors appear, rows go.
    await t.db.execute(sql`UPDATE transactions SET status = 'completed', amount_micro = amount_micro / 2
      WHERE status IN ('pending', 'authorized') AND id LIKE '%1'`);
    await t.db.execute(sql`UPDATE transactions SET error_code = 'vendor_error' WHERE status = 'authorized'`);
    await t.db.execute(sql`UPDATE transactions SET refund_note = 'n' WHERE status = 'completed'`);
    await t.db.execute(sql`DELETE FROM transactions WHERE id LIKE '%7'`);
    await expectRangesMatch(end);
    expect((await checkLedgerRollups(t.db)).total).toBe(0);
    await foldRollups(t.db);
    await expectRangesMatch(end);
    expect((await checkLedgerRollups(t.db)).total).toBe(0);
  });

  it("a note or metadata change appends no delta; a TRUNCATE of the ledger empties the rollups", async () => {
    const end = Date.parse("2026-03-10T12:00:00Z");
    await insertRows(50, end, DAY, "b");
    await foldRollups(t.db);
    await t.db.execute(sql`UPDATE transactions SET refund_note = 'x', metadata = '{"k": 1}'::jsonb`);
    const [deltas] = await t.db.execute<{ n: string }>(
      sql`SELECT count(*)::text AS n FROM ledger_rollup_deltas`,
    );
    expect(deltas?.n).toBe("0");
    await truncate(t.db, "transactions");
    const [left] = await t.db.execute<{ n: string }>(sql`
      SELECT ((SELECT count(*) FROM ledger_rollup_day) + (SELECT count(*) FROM ledger_rollup_hour)
        + (SELECT count(*) FROM ledger_rollup_minute) + (SELECT count(*) FROM ledger_latency_5m)
        + (SELECT count(*) FROM ledger_rollup_deltas))::text AS n`);
    expect(left?.n).toBe("0");
  });

  it("the audit finds a rollup row that was changed by hand, and a rebuild mends it", async () => {
    const end = Date.parse("2026-03-10T12:00:00Z");
    await insertRows(200, end, DAY, "c");
    await foldRollups(t.db);
    await t.db.execute(sql`UPDATE ledger_rollup_hour SET amount_micro = amount_micro + 1000000
      WHERE (hour, agent_id, vendor, status, erred) IN (SELECT hour, agent_id, vendor, status, erred
        FROM ledger_rollup_hour WHERE status = 'completed' ORDER BY hour LIMIT 1)`);
    await t.db.execute(
      sql`DELETE FROM ledger_latency_5m WHERE start = (SELECT min(start) FROM ledger_latency_5m)`,
    );
    const found = await checkLedgerRollups(t.db);
    expect(found.findings.map((f) => [f.figures.level, f.figures.status])).toEqual(
      expect.arrayContaining([
        ["hour", "completed"],
        ["latency", "completed"],
      ]),
    );
    const hour = found.findings.find((f) => f.figures.level === "hour");
    expect(BigInt(String(hour?.figures.rollupMicro)) - BigInt(String(hour?.figures.ledgerMicro))).toBe(
      1_000_000n,
    );
    expect(hour?.message).toMatch(/the rollup holds \d+ rows, \$[\d.]+, the ledger \d+ rows/);
    expect(await rebuildRollups(t.db)).toBeGreaterThan(0);
    expect((await checkLedgerRollups(t.db)).total).toBe(0);
    await expectRangesMatch(end);
  });

  it("concurrent engines reserving and settling while folds run: no deadlock, rollups equal the ledger", async () => {
    const config = { ...defaultBudgetConfig(), dailyLimitMicro: 10n ** 12n, monthlyLimitMicro: 10n ** 13n };
    const engines = [0, 1, 2, 3].map(() => new BudgetEngine(t.connect(4), { config: () => config }));
    let folds = 0;
    let stop = false;
    const folding = (async () => {
      while (!stop) {
        await foldRollups(t.db);
        folds += 1;
      }
    })();
    await Promise.all(
      Array.from({ length: 64 }, async (_, caller) => {
        const engine = engines[caller % engines.length] as BudgetEngine;
        for (let k = 0; k < 6; k++) {
          const agent = AGENTS[(caller + k) % 3] as string;
          const r = await engine.reserve(agent, 10_000n + BigInt(caller), `k-${caller}-${k}`, {
            vendor: "search-api",
          });
          if (!r.ok) throw new Error(`refused: ${r.code}`);
          if (k % 3 === 2) await engine.release(r.transactionId, "vendor_error", "no");
          else
            await engine.capture(
              r.transactionId,
              10_000n,
              `0x${(caller * 16 + k).toString(16).padStart(64, "0")}`,
            );
        }
      }),
    );
    stop = true;
    await folding;
    expect(folds).toBeGreaterThan(0);
    expect((await checkLedgerRollups(t.db)).total).toBe(0);
    const totals = countAndPaid(await rangeTotals(t.db, {}, {}));
    expect(totals).toEqual(await direct(null, null, {}));
    expect(totals.count).toBe(64 * 6);
    expect(totals.paidMicro).toBe(64n * 4n * 10_000n);
  });
});

describe("db/functions/ledger_rollups.sql", () => {
  it("is carried whole by the latest migration that installs the rollup functions", () => {
    const source = readFileSync(path.join(ROOT, "db", "functions", "ledger_rollups.sql"), "utf8").replace(
      /\r\n/g,
      "\n",
    );
    const journal = JSON.parse(
      readFileSync(path.join(ROOT, "db", "migrations", "meta", "_journal.json"), "utf8"),
    ) as {
      entries: { idx: number; tag: string }[];
    };
    const carrying = journal.entries
      .sort((a, b) => a.idx - b.idx)
      .map((e) => ({
        tag: e.tag,
        text: readFileSync(path.join(ROOT, "db", "migrations", `${e.tag}.sql`), "utf8"),
      }))
      .filter((m) => m.text.includes("FUNCTION ledger_rollup_capture()"));
    const latest = carrying.at(-1);
    expect(latest, "no migration installs the rollup functions").toBeDefined();
    expect(
      latest?.text.replace(/\r\n/g, "\n").includes(source),
      `migration ${latest?.tag} differs from the file`,
    ).toBe(true);
  });
});
