import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/** A pending monthly request for an agent created today: no months of history to show. */
async function freshRequest(sql: import("postgres").Sql): Promise<string> {
  const agent = `h5_fresh_${Date.now()}`;
  await sql`INSERT INTO agents (id, name) VALUES (${agent}, 'Fresh agent')`;
  await sql`INSERT INTO budget_change_requests
      (agent_id, kind, current_limit_micro, requested_limit_micro, justification, requested_by, expires_at)
    VALUES (${agent}, 'monthly', 1000000000, 2000000000, 'A new agent needs room for its first month',
      'operator@demo.local', now() + interval '7 days')`;
  return agent;
}

function cardOf(page: Page, agent: string) {
  const card = page.getByRole("article").filter({ hasText: agent });
  return {
    card,
    history: card.getByRole("region", { name: `Spend history of ${agent}` }),
    approve: card.getByRole("button", { name: "Approve" }),
  };
}

let created: string[] = [];
test.afterEach(async ({ sql }) => {
  // Deleting the agent deletes its request too (ON DELETE CASCADE).
  if (created.length > 0) await sql`DELETE FROM agents WHERE id IN ${sql(created)}`;
  created = [];
});

test("a new agent's request says “No history yet”, not an average of $0.00 (1440x900)", async ({
  as,
  sql,
}) => {
  const agent = await freshRequest(sql);
  created.push(agent);
  const page = await as("admin");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/approvals");
  const { history, approve } = cardOf(page, agent);
  await expect(history).toContainText("No history yet");
  await expect(history).not.toContainText("Average");
  await expect(approve).toBeEnabled();
  // Wide screen: the evidence sits beside the decision, not below it.
  const [h, a] = [await history.boundingBox(), await approve.boundingBox()];
  expect(h && a && h.x > a.x + a.width).toBe(true);
});

test("on a phone the spend evidence comes before Approve and Reject, in the reading order (390x844)", async ({
  as,
  sql,
}) => {
  const agent = await freshRequest(sql);
  created.push(agent);
  const page = await as("admin");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/approvals");
  const { card, history, approve } = cardOf(page, agent);
  await expect(history).toBeVisible();
  const historyFirst = await history.evaluate(
    (h, button) => Boolean(button && h.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING),
    await approve.elementHandle(),
  );
  expect(historyFirst, "the history precedes the Approve button in the DOM").toBe(true);
  const [h, a] = [await history.boundingBox(), await approve.boundingBox()];
  expect(h && a && h.y + h.height <= a.y).toBe(true);
  await expect(card.getByRole("button", { name: "Reject" })).toBeVisible();
  await card.screenshot({ path: "test-results/screenshots/approvals-card-phone.png" });
});
