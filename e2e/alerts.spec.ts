import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";

test.describe("alerts", () => {
  test("an operator sees an active alert with its count in the navigation and acknowledges it; a viewer only reads", async ({
    as,
    sql,
  }) => {
    const key = `e2e:${randomUUID()}`;
    const message =
      "⚠️ Payment Wallet Balance Low\nCurrent: $25.50\nThreshold: $50.00\nAction: Fund wallet immediately";
    const [row] = await sql<{ id: string }[]>`
      INSERT INTO alerts (kind, severity, message, figures, dedupe_key)
      VALUES ('wallet_low_e2e', 'critical', ${message}, '{}'::jsonb, ${key}) RETURNING id::text AS id`;
    const id = row?.id ?? "";
    try {
      const viewer = await as("viewer", "/alerts");
      const viewerActive = viewer.getByRole("region", { name: /^Active/ });
      await expect(viewerActive.getByText("Current: $25.50").first()).toBeVisible();
      await expect(viewer.getByRole("button", { name: `Acknowledge alert ${id}` })).toHaveCount(0);

      const operator = await as("operator", "/alerts");
      const nav = operator.getByRole("navigation", { name: "Console" });
      await expect(nav.getByRole("link", { name: /Alerts \d+ active alerts?, \d+ critical/ })).toBeVisible();
      await operator.getByRole("button", { name: `Acknowledge alert ${id}` }).click();
      const acknowledged = operator.getByRole("region", { name: /^Acknowledged/ });
      await expect(acknowledged.getByText("operator@demo.local").first()).toBeVisible();
      await expect(operator.getByRole("button", { name: `Acknowledge alert ${id}` })).toHaveCount(0);

      const audit = await sql`
        SELECT actor FROM audit_log WHERE action = 'alert.acknowledged' AND target_id = ${id}`;
      expect(audit.map((a) => a.actor)).toEqual(["operator@demo.local"]);
    } finally {
      await sql`UPDATE alerts SET resolved_at = now() WHERE id = ${id}::bigint`;
    }
  });

  test("alerts read in the console's words: no emoji, $12.00 of $12.00 (Discord keeps its text)", async ({
    as,
    sql,
  }) => {
    const key = `e2e:${randomUUID()}`;
    // As the evaluator stores a budget alert: Discord's text, and the figures behind it.
    const message =
      "💰 Agent Budget Alert\nAgent: builder_agent\nUsed: 100% of daily budget ($12/$12)\nRemaining: $0.00";
    const figures = {
      agentId: "builder_agent",
      period: "daily",
      usedMicro: "12000000",
      limitMicro: "12000000",
      remainingMicro: "0",
      usedPct: 100,
      thresholdPct: null,
    };
    const [row] = await sql<{ id: string }[]>`
      INSERT INTO alerts (kind, severity, agent_id, message, figures, dedupe_key)
      VALUES ('budget_exhausted', 'critical', 'builder_agent', ${message}, ${sql.json(figures)}, ${key})
      RETURNING id::text AS id`;
    const id = row?.id ?? "";
    try {
      const viewer = await as("viewer", "/alerts");
      const active = viewer.getByRole("region", { name: /^Active/ });
      await expect(active.getByText("Used 100% of the daily budget: $12.00 of $12.00").first()).toBeVisible();
      await expect(active.getByText("Agent budget: daily limit reached").first()).toBeVisible();
      const shown = (await active.textContent()) ?? "";
      expect(shown).not.toMatch(/\p{Extended_Pictographic}/u);
      expect(shown).not.toContain("$12/$12");
    } finally {
      await sql`UPDATE alerts SET resolved_at = now() WHERE id = ${id}::bigint`;
    }
  });
});
