import { describe, expect, it } from "vitest";
import {
  budgetAuditFixture,
  check,
  DATASET,
  dayAt,
  expectOthersClean,
  findings,
  NOW,
  PAYER,
  SEARCH,
  usdc,
} from "@/lib/testing/budget-audit-fixture";

// The rows themselves: integrity errors and spending anomalies (warnings).
const t = budgetAuditFixture();
const { audit, pay, plant } = t;

describe("runBudgetAudit", () => {
  describe("data integrity", () => {
    it("a nonce used twice by one payer (only possible with the database's unique index dropped)", async () => {
      const a = await pay("builder_agent", usdc(1), SEARCH, dayAt(0, "11:00"), { nonce: "0xDUP" });
      await expect(
        pay("research_agent", usdc(0.5), DATASET, dayAt(0, "11:01"), { nonce: "0xdup" }),
      ).rejects.toThrow(/transactions_payer_nonce_key/);
      // As a superuser could: the audit must still find what the index would have refused.
      const sql = t.db.$client;
      await sql`DROP INDEX transactions_payer_nonce_key`;
      try {
        const b = await pay("research_agent", usdc(0.5), DATASET, dayAt(0, "11:01"), { nonce: "0xdup" });
        const { report } = await audit();
        expect(findings(report, "data_integrity", "duplicate_nonce")).toEqual([
          expect.objectContaining({
            agentId: "builder_agent",
            transactionIds: [a, b],
            figures: expect.objectContaining({ nonce: "0xdup", payer: PAYER.toLowerCase(), rows: 2 }),
          }),
        ]);
        expectOthersClean(report, ["data_integrity"]);
      } finally {
        await sql`DELETE FROM transactions WHERE nonce = '0xdup'`;
        await sql`CREATE UNIQUE INDEX transactions_payer_nonce_key ON transactions (lower(payer), lower(nonce))
          WHERE nonce IS NOT NULL`;
      }
    });

    it("a zero-amount completed row", async () => {
      const id = await pay("builder_agent", usdc(1), { vendor: "search-api" }, dayAt(0, "11:00"), {
        final: 0n,
      });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "non_positive_amount")).toEqual([
        expect.objectContaining({ agentId: "builder_agent", transactionIds: [id] }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("a completed row without a hash, and one with a malformed hash", async () => {
      const none = await pay("builder_agent", usdc(1), SEARCH, dayAt(1, "11:00"), { hash: null });
      const bad = await pay("research_agent", usdc(0.5), DATASET, dayAt(1, "11:05"), { hash: "0x01" });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "missing_tx_hash")).toEqual([
        expect.objectContaining({ agentId: "builder_agent", transactionIds: [none] }),
      ]);
      expect(findings(report, "data_integrity", "malformed_tx_hash")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [bad],
          figures: expect.objectContaining({ txHash: "0x01" }),
        }),
      ]);
      expect(check(report, "data_integrity").findingCount).toBe(2);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("a timestamp in the future beyond the clock skew (within it is fine)", async () => {
      const [late, withinSkew] = await plant([
        { agentId: "research_agent", status: "failed", txHash: null, createdAt: "2026-03-20T13:00:00Z" },
        { agentId: "research_agent", status: "failed", txHash: null, createdAt: "2026-03-20T12:04:00Z" },
      ]);
      const { report } = await audit();
      const found = findings(report, "data_integrity", "future_timestamp");
      expect(found).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [late],
          figures: expect.objectContaining({ field: "created_at" }),
        }),
      ]);
      expect(found.flatMap((f) => f.transactionIds)).not.toContain(withinSkew);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("an authorized reservation older than the stale timeout (the fresh ones are not)", async () => {
      t.now = new Date(NOW.getTime() - 3_600_000);
      const r = await t.engine.reserve("builder_agent", usdc(1), "old-one", { ...SEARCH, ...t.authorized() });
      if (!r.ok) throw new Error("refused");
      t.now = NOW;
      const { report } = await audit();
      expect(findings(report, "data_integrity", "stale_reservation")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          transactionIds: [r.transactionId],
          figures: expect.objectContaining({
            status: "authorized",
            ageSeconds: 3600,
            authorizationExpired: true,
          }),
        }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("rows of an agent that does not exist, but not the refusals that name it", async () => {
      const [orphan] = await plant([{ agentId: "ghost_agent", createdAt: dayAt(2, "12:00").toISOString() }]);
      const refusal = await t.engine.reserve("ghost_agent", usdc(1), "ghost-1", SEARCH);
      expect(refusal).toMatchObject({ ok: false, code: "unknown_agent" });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "unknown_agent")).toEqual([
        expect.objectContaining({
          agentId: "ghost_agent",
          transactionIds: [orphan],
          figures: expect.objectContaining({ rows: 1, spentMicro: "1000000" }),
        }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });
  });

  describe("spending anomalies are warnings: the audit still passes", () => {
    it("a day far above the 14-day baseline (a day above the floor but under 3× is not)", async () => {
      // Yesterday: $8, 2.7× the $3 average.
      await pay("builder_agent", usdc(5), { vendor: "search-api" }, dayAt(1, "11:00"));
      for (const hhmm of ["11:00", "11:05", "11:10", "11:15"]) {
        await pay("builder_agent", usdc(5), { vendor: "search-api" }, dayAt(0, hhmm));
      }
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(report.counts).toMatchObject({ errors: 0, warnings: 1, byKind: { daily_spike: 1 } });
      expect(findings(report, "spending_anomalies", "daily_spike")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "day", start: "2026-03-20" },
          figures: expect.objectContaining({
            spentMicro: "23000000",
            // 13 days of $3 and yesterday's $8, over 14 days.
            baselineAverageMicro: "3357142",
            baselineTotalMicro: "47000000",
            ratio: "6.8",
          }),
        }),
      ]);
      expect(findings(report, "spending_anomalies", "daily_spike")[0]?.message).toContain(
        "rule: more than 3×",
      );
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("a vendor paid for the first time in the last 24 hours", async () => {
      const id = await pay("research_agent", usdc(0.5), { vendor: "brand-new-api" }, dayAt(0, "11:00"));
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(findings(report, "spending_anomalies", "new_vendor")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [id],
          figures: expect.objectContaining({ vendor: "brand-new-api", payments: 1, spentMicro: "500000" }),
        }),
      ]);
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("more than 30 payments by one agent within a minute (30 is not a burst)", async () => {
      const burst = await plant(
        Array.from({ length: 31 }, (_, i) => ({
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(0.01),
          createdAt: new Date(Date.parse("2026-03-18T14:00:00Z") + i * 1000).toISOString(),
        })),
      );
      await plant(
        Array.from({ length: 30 }, (_, i) => ({
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(0.01),
          createdAt: new Date(Date.parse("2026-03-17T14:00:00Z") + i * 2000).toISOString(),
        })),
      );
      const { report } = await audit();
      expect(report.status).toBe("pass");
      const found = findings(report, "spending_anomalies", "burst");
      expect(found).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          figures: expect.objectContaining({
            payments: 31,
            peakPerMinute: 31,
            from: "2026-03-18T14:00:00.000000Z",
            to: "2026-03-18T14:00:30.000000Z",
          }),
        }),
      ]);
      expect(found[0]?.transactionIds).toEqual(burst.slice(0, 10));
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("a resource URL whose price changed", async () => {
      const id = await pay("builder_agent", usdc(1.5), SEARCH, dayAt(0, "11:30"));
      const [previous] = await t.db.$client<{ id: string }[]>`
        SELECT id FROM transactions WHERE resource_url = ${SEARCH.resourceUrl} AND status = 'completed'
          AND created_at < '2026-03-20T11:30:00Z' ORDER BY created_at DESC LIMIT 1`;
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(findings(report, "spending_anomalies", "price_change")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          transactionIds: [previous?.id, id],
          figures: expect.objectContaining({
            resourceUrl: SEARCH.resourceUrl,
            previousAmountMicro: "1000000",
            amountMicro: "1500000",
          }),
        }),
      ]);
      expectOthersClean(report, ["spending_anomalies"]);
    });
  });
});
