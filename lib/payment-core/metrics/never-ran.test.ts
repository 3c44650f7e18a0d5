import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { LedgerTotalsReader, readMetricsSnapshot } from "@/lib/payment-core/metrics/snapshot";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { buildRegistry } from "./exposition";

/**
 * A job that never ran has no series: not a 0 that reads as "failed at 1970-01-01". The text is
 * the endpoint's (buildRegistry over a snapshot of a real, empty database), parsed as Prometheus does.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

async function scrape() {
  const snapshot = await readMetricsSnapshot(t.db, defaultBudgetConfig(), {
    totals: new LedgerTotalsReader(),
  });
  const text = await buildRegistry(snapshot, null).metrics();
  return { text, families: parsePrometheusTextFormat(text) };
}

const samples = (families: ReturnType<typeof parsePrometheusTextFormat>, name: string) =>
  families.find((f) => f.name === name)?.metrics ?? [];

describe("metrics of jobs that never ran", () => {
  it("a database where nothing ran exports no reconciliation or job samples at all", async () => {
    const { text, families } = await scrape();
    expect(text).not.toMatch(/^x402_reconciliation_last_\w+ /m);
    expect(text).not.toMatch(/^x402_job_last_run_\w+\{/m);
    for (const name of [
      "x402_job_last_run_timestamp_seconds",
      "x402_job_last_run_success",
      "x402_job_last_run_duration_seconds",
    ]) {
      expect(samples(families, name), name).toEqual([]);
    }
    // The rest of the scrape is there as usual.
    expect(text).toMatch(/^x402_kill_switch_enabled 0$/m);
  });

  it("a finished run gets its job's series; a run still going and jobs that never ran get none", async () => {
    await t.db.$client`
      INSERT INTO job_runs (job, started_at, finished_at, status) VALUES
        ('reconcile', '2026-12-01T02:00:00Z', '2026-12-01T02:00:02.5Z', 'succeeded'),
        ('budget-audit', '2026-12-01T03:00:00Z', '2026-12-01T03:00:01Z', 'failed'),
        ('budget-audit', '2026-12-02T03:00:00Z', NULL, 'running')`;
    await t.db.$client`
      INSERT INTO reconciliation_reports (created_at, status, summary, details)
      VALUES ('2026-12-01T02:00:02Z', 'pass', '{"counts": {"not_on_chain": 0}}', '[]')`;
    const { families } = await scrape();
    const at = samples(families, "x402_job_last_run_timestamp_seconds");
    expect(at.map((m) => m.labels?.job).sort()).toEqual(["budget-audit", "reconcile"]);
    const of = (name: string, job: string) =>
      Number(samples(families, name).find((m) => m.labels?.job === job)?.value);
    expect(of("x402_job_last_run_timestamp_seconds", "reconcile")).toBe(
      Date.parse("2026-12-01T02:00:02.5Z") / 1000,
    );
    expect(of("x402_job_last_run_success", "reconcile")).toBe(1);
    expect(of("x402_job_last_run_duration_seconds", "reconcile")).toBe(2.5);
    // The audit's newest finished run failed; the one still running is not a result yet.
    expect(of("x402_job_last_run_success", "budget-audit")).toBe(0);
    expect(of("x402_job_last_run_timestamp_seconds", "budget-audit")).toBe(
      Date.parse("2026-12-01T03:00:01Z") / 1000,
    );
    expect(Number(samples(families, "x402_reconciliation_last_pass")[0]?.value)).toBe(1);
    expect(Number(samples(families, "x402_reconciliation_last_run_timestamp_seconds")[0]?.value)).toBe(
      Date.parse("2026-12-01T02:00:02Z") / 1000,
    );
  });
});
