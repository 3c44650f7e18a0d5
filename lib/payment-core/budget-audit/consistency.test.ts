import { describe, expect, it } from "vitest";
import {
  budgetAuditFixture,
  dayAt,
  expectOthersClean,
  findings,
  usdc,
} from "@/lib/testing/budget-audit-fixture";
import { unsafeAuditEdit } from "@/lib/testing/db";
import { setCaps } from "../budgets/caps";
import { defaultBudgetConfig } from "../budgets/config";
import { setLimit } from "../budgets/usage";

// The ledger against the budget: usage windows, their rollups and the limits in force.
const t = budgetAuditFixture();
const { audit, plant } = t;

describe("runBudgetAudit", () => {
  describe("ledger vs budget consistency", () => {
    it("a tampered window is reported with recorded and computed figures", async () => {
      // Day and month both, so the rollup still adds up and only the ledger disagrees.
      await t.db.$client`
        UPDATE budget_usage SET reserved_micro = reserved_micro + 5000000
        WHERE agent_id = 'research_agent' AND ((period = 'day' AND period_start = '2026-03-18')
          OR (period = 'month' AND period_start = '2026-03-01'))`;
      const { report } = await audit();
      expect(report.status).toBe("fail");
      const found = findings(report, "ledger_budget_consistency", "usage_mismatch");
      expect(found.map((f) => [f.agentId, f.window])).toEqual([
        ["research_agent", { period: "day", start: "2026-03-18" }],
        ["research_agent", { period: "month", start: "2026-03-01" }],
      ]);
      expect(found[0]?.figures).toMatchObject({
        recordedSpentMicro: "500000",
        computedSpentMicro: "500000",
        recordedReservedMicro: "5000000",
        computedReservedMicro: "0",
        reservedDifferenceMicro: "5000000",
      });
      // The month holds today's open authorization too.
      expect(found[1]?.figures).toMatchObject({
        recordedReservedMicro: "5500000",
        computedReservedMicro: "500000",
      });
      expectOthersClean(report, ["ledger_budget_consistency"]);
    });

    it("a ledger window with no budget_usage row is reported", async () => {
      await t.db.$client`
        DELETE FROM budget_usage WHERE agent_id = 'code_review_agent' AND period = 'day' AND period_start = '2026-03-10'`;
      const { report } = await audit();
      expect(findings(report, "ledger_budget_consistency", "usage_mismatch")).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          window: { period: "day", start: "2026-03-10" },
          figures: expect.objectContaining({ usageRowMissing: true, computedSpentMicro: "250000" }),
        }),
      ]);
      // The month no longer equals its days either.
      expect(findings(report, "rollup_accuracy", "rollup_mismatch")).toHaveLength(1);
      expectOthersClean(report, ["ledger_budget_consistency", "rollup_accuracy"]);
    });
  });

  describe("ledger vs the fleet and vendor caps", () => {
    it("caps set on the clean ledger agree with it; a window that does not is reported with both figures", async () => {
      const opts = { actor: "admin@x402.local", now: t.now, mayLoosen: true };
      await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(1000), monthly: usdc(10_000) }, opts);
      await setCaps(t.db, { vendor: "search.example", agentId: "builder_agent", daily: usdc(100) }, opts);
      const clean = await audit();
      expect(findings(clean.report, "ledger_budget_consistency", "cap_usage_mismatch")).toEqual([]);
      // What an import would do: spend in the ledger the engine never counted in the cap.
      await t.db.$client`UPDATE budget_cap_usage SET spent_micro = spent_micro - 250000
        WHERE vendor = '' AND period = 'day' AND period_start = '2026-03-20'`;
      const { report } = await audit();
      expect(report.status).toBe("fail");
      const [found, ...rest] = findings(report, "ledger_budget_consistency", "cap_usage_mismatch");
      expect(rest).toEqual([]);
      expect(found).toMatchObject({
        agentId: null,
        window: { period: "day", start: "2026-03-20" },
        figures: { vendor: null },
      });
      expect(
        BigInt(String(found?.figures.computedSpentMicro)) - BigInt(String(found?.figures.recordedSpentMicro)),
      ).toBe(250_000n);
      expectOthersClean(report, ["ledger_budget_consistency"]);
    });
  });

  describe("rollup accuracy", () => {
    it("a day window that does not add up to its month is reported against the month", async () => {
      await t.db.$client`
        UPDATE budget_usage SET spent_micro = spent_micro + 1
        WHERE agent_id = 'builder_agent' AND period = 'day' AND period_start = '2026-03-12'`;
      const { report } = await audit();
      expect(findings(report, "rollup_accuracy", "rollup_mismatch")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "month", start: "2026-03-01" },
          figures: expect.objectContaining({
            monthSpentMicro: "48000000",
            daysSpentMicro: "48000001",
            spentDifferenceMicro: "-1",
            dayWindows: 16,
          }),
        }),
      ]);
      expect(
        findings(report, "ledger_budget_consistency", "usage_mismatch").map((f) => [f.agentId, f.window]),
      ).toEqual([["builder_agent", { period: "day", start: "2026-03-12" }]]);
      expectOthersClean(report, ["rollup_accuracy", "ledger_budget_consistency"]);
    });
  });

  describe("overruns", () => {
    it("completed spend above the daily and monthly limits in force", async () => {
      t.config = defaultBudgetConfig({ agentLimits: { research_agent: { monthly: usdc(110) } } });
      const ids = await plant(
        Array.from({ length: 11 }, (_, i) => ({
          agentId: "research_agent",
          vendor: "dataset",
          amountMicro: usdc(9.5),
          createdAt: dayAt(10, `1${i % 10}:4${i % 6}`).toISOString(),
        })),
      );
      expect(ids).toHaveLength(11);
      const { report } = await audit();
      expect(report.status).toBe("fail");
      expect(findings(report, "budget_overruns", "daily_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          window: { period: "day", start: "2026-03-10" },
          figures: expect.objectContaining({
            spentMicro: "105000000",
            limitMicro: "100000000",
            overMicro: "5000000",
            payments: 12,
          }),
        }),
      ]);
      expect(findings(report, "budget_overruns", "monthly_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          window: { period: "month", start: "2026-03-01" },
          figures: expect.objectContaining({ spentMicro: "112500000", limitMicro: "110000000" }),
        }),
      ]);
      expectOthersClean(report, ["budget_overruns"]);
    });

    it("a payment above the per-transaction max is one finding; above the hard limit too, still one", async () => {
      const [overMax, overBoth] = await plant([
        {
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(10.5),
          createdAt: dayAt(10, "14:00").toISOString(),
        },
        {
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(12),
          createdAt: dayAt(10, "15:00").toISOString(),
        },
      ]);
      t.config = defaultBudgetConfig({ hardLimitMicro: usdc(11) });
      const { report } = await audit();
      expect(findings(report, "budget_overruns", "per_transaction_max_overrun")).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          transactionIds: [overMax],
          figures: expect.objectContaining({ amountMicro: "10500000", limitMicro: "10000000" }),
        }),
      ]);
      expect(findings(report, "budget_overruns", "hard_limit_overrun")).toEqual([
        expect.objectContaining({
          transactionIds: [overBoth],
          message: expect.stringContaining("(and its per-transaction max of $10.00)"),
          figures: expect.objectContaining({ limitMicro: "11000000", perTransactionLimitMicro: "10000000" }),
        }),
      ]);
      // Each payment is listed, and counted, once.
      const check = report.checks.find((c) => c.name === "budget_overruns");
      expect(check?.findingCount).toBe(2);
      expect(check?.findings.flatMap((f) => f.transactionIds).sort()).toEqual([overMax, overBoth].sort());
      expect(report.counts.byKind).toMatchObject({ per_transaction_max_overrun: 1, hard_limit_overrun: 1 });
      expectOthersClean(report, ["budget_overruns"]);
    });

    it("a limit lowered later does not turn earlier spend into overruns", async () => {
      await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: usdc(2), actor: "test" });
      // As if set yesterday at noon (the audit log records the database's time).
      await unsafeAuditEdit(
        t.db,
        (tx) => tx`UPDATE audit_log SET at = '2026-03-19T12:00:00Z' WHERE action = 'budget.limit_set'`,
      );
      await t.db.$client`UPDATE budget_policies SET set_at = '2026-03-19T12:00:00Z'`;
      const { report } = await audit();
      // Yesterday had a $100 limit until noon; only today's $3 ran under the $2 limit alone.
      expect(findings(report, "budget_overruns", "daily_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "day", start: "2026-03-20" },
          figures: expect.objectContaining({ spentMicro: "3000000", limitMicro: "2000000" }),
        }),
      ]);
      expectOthersClean(report, ["budget_overruns"]);
    });
  });
});
