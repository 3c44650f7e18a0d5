import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import { expect, test } from "./fixtures";

/**
 * A ledger row that is wrong on purpose: completed without a transaction hash, on a day long
 * before the local chain existed. Reconciling that one day finds exactly it (missing_hash),
 * and the budget audit's integrity check flags it (missing_tx_hash).
 */
const DAY = "2020-01-15";

async function insertBrokenRow(sql: postgres.Sql): Promise<string> {
  const id = `tx_e2e_${randomUUID()}`;
  await sql`INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor,
      amount_micro, status)
    VALUES (${id}, ${`${DAY}T12:00:00Z`}, ${`${DAY}T12:00:00Z`}, ${`${DAY}T12:00:01Z`}, 'builder_agent',
      'e2e-vendor', 1230000, 'completed')`;
  return id;
}

test.describe("reports", () => {
  let brokenId: string | null = null;
  test.afterEach(async ({ sql }) => {
    if (brokenId) await sql`DELETE FROM transactions WHERE id = ${brokenId}`;
    brokenId = null;
  });

  test("an operator reconciles one day as a dry run, then for real, and opens the saved report", async ({
    as,
    sql,
  }) => {
    const id = await insertBrokenRow(sql);
    brokenId = id;
    const countReports = async () =>
      Number((await sql`SELECT count(*)::int AS n FROM reconciliation_reports`)[0]?.n);
    const before = await countReports();

    const page = await as("operator");
    await page.getByRole("link", { name: "Reconciliation" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Reconciliation");
    await page.getByLabel("From (UTC)").fill(DAY);
    await page.getByLabel("To (UTC)").fill(DAY);
    await page.getByRole("checkbox", { name: "Dry run" }).check();
    await page.getByRole("button", { name: "Run now" }).click();

    const result = page.getByRole("region", { name: /^Result/ });
    await expect(result).toContainText("FAIL");
    await expect(result).toContainText("1 discrepancy");
    await expect(result).toContainText("Checked 1 ledger transaction against 0 on-chain transfers");
    const counts = result.getByRole("table", { name: "Discrepancies of this run by kind" });
    await expect(counts.getByRole("row").filter({ hasText: "Missing hash" })).toContainText("1");
    await expect(counts.getByRole("row").filter({ hasText: "Orphan on chain" })).toContainText("0");
    await expect(result).toContainText("Dry run: nothing was saved");
    await expect(result.getByRole("link", { name: id })).toHaveAttribute("href", `/ledger/${id}`);
    expect(await countReports()).toBe(before);

    await page.getByRole("checkbox", { name: "Dry run" }).uncheck();
    await page.getByRole("button", { name: "Run now" }).click();
    const saved = result.getByRole("link", { name: /^report #\d+$/ });
    await expect(saved).toBeVisible();
    await expect(result).toContainText("FAIL");
    const reportId = (await saved.textContent())?.replace("report #", "") ?? "";
    expect(await countReports()).toBe(before + 1);
    const [row] = await sql`SELECT status, summary->'counts'->>'missing_hash' AS missing
      FROM reconciliation_reports WHERE id = ${reportId}`;
    expect(row).toMatchObject({ status: "fail", missing: "1" });

    const history = page.getByRole("table", { name: /Saved reconciliation reports/ });
    const listed = history.getByRole("row").filter({ hasText: `#${reportId}` });
    await expect(listed).toContainText("FAIL");
    await expect(listed).toContainText("Missing hash: 1");
    await expect(listed).toContainText("operator@demo.local");

    await saved.click();
    await page.waitForURL(`**/reconciliation/${reportId}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Reconciliation report #${reportId}`);
    const summary = page.getByRole("region", { name: "Summary" });
    await expect(summary).toContainText("operator@demo.local");
    await expect(summary).toContainText(`${DAY} 00:00:00 UTC`);
    await expect(summary).toContainText("2020-01-16 00:00:00 UTC (exclusive)");
    const found = page
      .getByRole("table", { name: /discrepancies of report/ })
      .getByRole("row")
      .filter({
        hasText: id,
      });
    await expect(found).toContainText("missing_hash");
    await expect(found).toContainText("$1.23");
    await expect(found.getByRole("link", { name: id })).toHaveAttribute("href", `/ledger/${id}`);

    // The status stays 200: loading.tsx has already streamed the shell when notFound() runs.
    await page.goto("/reconciliation/999999999");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Report not found");

    const viewer = await as("viewer", "/reconciliation");
    await expect(viewer.getByRole("row").filter({ hasText: `#${reportId}` })).toBeVisible();
    await expect(viewer.getByRole("button", { name: "Run now" })).toHaveCount(0);
  });

  test("an operator runs the budget audit and opens its findings", async ({ as, sql }) => {
    const id = await insertBrokenRow(sql);
    brokenId = id;

    const page = await as("operator");
    await page.getByRole("link", { name: "Audits", exact: true }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Budget audits");
    await page.getByRole("button", { name: "Run audit now" }).click();
    const result = page.getByRole("region", { name: /^Result/ });
    await expect(result).toContainText("FAIL");
    await expect(result.getByRole("listitem").filter({ hasText: "Data integrity" })).toContainText("FAIL");
    const saved = result.getByRole("link", { name: /^audit #\d+$/ });
    const auditId = (await saved.textContent())?.replace("audit #", "") ?? "";
    const [row] = await sql`SELECT status FROM audit_reports WHERE id = ${auditId}`;
    expect(row?.status).toBe("fail");
    await expect(page.getByRole("row").filter({ hasText: `#${auditId}` })).toContainText("FAIL");

    await saved.click();
    await page.waitForURL(`**/audits/${auditId}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Budget audit #${auditId}`);
    for (const title of [
      "Ledger vs budget consistency",
      "Budget overrun detection",
      "Rollup accuracy (budget windows, ledger rollups)",
      "Data integrity",
      "Spending anomalies",
    ]) {
      await expect(page.getByRole("region", { name: title })).toContainText(/PASS|FAIL/);
    }
    const integrity = page.getByRole("region", { name: "Data integrity" });
    await expect(integrity).toContainText("FAIL");
    const finding = integrity.getByRole("listitem").filter({ hasText: `${id} (builder_agent` });
    await expect(finding).toContainText("missing_tx_hash");
    await expect(finding).toContainText("is completed without a transaction hash");
    await expect(finding.getByRole("link", { name: id })).toHaveAttribute("href", `/ledger/${id}`);
    await expect(finding.getByRole("link", { name: "builder_agent" })).toHaveAttribute(
      "href",
      "/agents/builder_agent",
    );

    const viewer = await as("viewer", "/audits");
    await expect(viewer.getByRole("row").filter({ hasText: `#${auditId}` })).toBeVisible();
    await expect(viewer.getByRole("button", { name: "Run audit now" })).toHaveCount(0);
  });
});
