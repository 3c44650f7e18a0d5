import { randomUUID } from "node:crypto";
import { lastFullWeek } from "@/lib/payment-core/jobs/weekly-report";
import { expect, test } from "./fixtures";

/**
 * The Jobs page: every job with its schedule and next run; an operator runs the weekly report
 * now and opens the run, whose page shows last week's figures as the ledger holds them.
 */
test.describe("jobs", () => {
  const ids: string[] = [];
  test.afterEach(async ({ sql }) => {
    if (ids.length > 0) await sql`DELETE FROM transactions WHERE id = ANY(${ids})`;
    ids.length = 0;
  });

  test("an operator runs the weekly report now and reads it; a viewer cannot run jobs", async ({
    as,
    sql,
  }) => {
    const { from } = lastFullWeek(new Date());
    const vendor = `e2e-weekly-${randomUUID().slice(0, 8)}`;
    for (const [i, amount] of [1_250_000, 2_000_000].entries()) {
      const id = `tx_e2e_${randomUUID()}`;
      ids.push(id);
      const at = new Date(from.getTime() + (i + 1) * 3_600_000).toISOString();
      await sql`INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor,
          amount_micro, status, latency_ms, metadata)
        VALUES (${id}, ${at}, ${at}, ${at}, 'code_review_agent', ${vendor}, ${amount}, 'completed', 120,
          '{"demo": true}'::jsonb)`;
    }

    const viewer = await as("viewer", "/jobs");
    await expect(viewer.getByRole("heading", { level: 1 })).toHaveText("Jobs");
    const schedule = viewer.getByRole("table", { name: "Scheduled jobs with their last and next runs" });
    await expect(schedule.getByRole("rowheader", { name: /^weekly-report/ })).toBeVisible();
    await expect(schedule.getByRole("row").filter({ hasText: "weekly-report" })).toContainText(
      "Mondays at 04:00 UTC",
    );
    await expect(viewer.getByRole("button", { name: "Run weekly-report now" })).toHaveCount(0);

    const page = await as("operator");
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("button", { name: "Run weekly-report now" }).click();
    const run = page
      .getByRole("row")
      .filter({ hasText: "weekly-report" })
      .getByRole("link", { name: /^run #\d+$/ });
    await expect(run).toBeVisible({ timeout: 30_000 });
    await run.click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(/^weekly-report run #\d+$/);
    await expect(page.getByText("succeeded").first()).toBeVisible();
    const byVendor = page.getByRole("table", { name: "Spend by vendor" });
    await expect(byVendor.getByRole("row").filter({ hasText: vendor })).toContainText("$3.25");
  });
});
