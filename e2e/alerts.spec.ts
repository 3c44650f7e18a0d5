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
      const viewer = await as("viewer");
      await viewer.goto("/alerts");
      const viewerActive = viewer.getByRole("region", { name: /^Active/ });
      await expect(viewerActive.getByText("Current: $25.50").first()).toBeVisible();
      await expect(viewer.getByRole("button", { name: `Acknowledge alert ${id}` })).toHaveCount(0);

      const operator = await as("operator");
      await operator.goto("/alerts");
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
});
