import type { Request } from "@playwright/test";
import { expect, test } from "./fixtures";

test.describe("kill switch", () => {
  test.afterEach(async ({ sql }) => {
    await sql`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
  });

  test("an operator stops payments from the console; the API refuses at once; resuming lets them through", async ({
    as,
    pay,
    sql,
  }) => {
    const page = await as("operator");
    await page.getByRole("button", { name: "Stop all payments" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason (kept in the audit log)").fill("incident drill");
    await dialog.getByRole("button", { name: "Stop payments" }).click();
    await expect(page.getByText("Payments are stopped (kill switch on)")).toBeVisible();

    const refused = await pay("builder_agent", "/search");
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: "payments_disabled" } });

    await page.getByRole("button", { name: "Resume payments" }).click();
    await dialog.getByLabel("Reason (kept in the audit log)").fill("drill over");
    await dialog.getByRole("button", { name: "Resume payments" }).click();
    await expect(page.getByText("Payments are running")).toBeVisible();

    const paid = await pay("builder_agent", "/search");
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: "completed", priceUsdc: "0.010000" });

    const audit =
      await sql`SELECT action, actor, reason FROM audit_log WHERE action LIKE 'kill_switch.%' ORDER BY id DESC LIMIT 2`;
    expect(audit.map((a) => [a.action, a.actor, a.reason])).toEqual([
      ["kill_switch.off", "operator@demo.local", "drill over"],
      ["kill_switch.on", "operator@demo.local", "incident drill"],
    ]);
  });

  test("a viewer has no control, and a forged server-action call changes nothing", async ({ as, sql }) => {
    // Record the operator's real action call...
    const operator = await as("operator");
    let captured: Request | undefined;
    operator.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) captured = request;
    });
    await operator.getByRole("button", { name: "Stop all payments" }).click();
    await operator.getByRole("dialog").getByLabel("Reason (kept in the audit log)").fill("to capture");
    await operator.getByRole("dialog").getByRole("button", { name: "Stop payments" }).click();
    await expect(operator.getByText("Payments are stopped (kill switch on)")).toBeVisible();
    await sql`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
    expect(captured).toBeDefined();

    // ...and replay it with a viewer's session.
    const viewer = await as("viewer");
    await expect(viewer.getByRole("button", { name: "Stop all payments" })).toHaveCount(0);
    const headers: Record<string, string> = { ...(captured?.headers() ?? {}) };
    delete headers.cookie;
    // A same-origin call as the browser makes it (Playwright's headers() leaves Origin out):
    // what refuses it must be the role, not the missing Origin.
    headers.origin = new URL(captured?.url() ?? "http://x").origin;
    const response = await viewer.request.post(captured?.url() ?? "", {
      headers,
      data: captured?.postData() ?? "",
    });
    expect(await response.text()).toContain('"code":"forbidden"');
    const [flag] = await sql`SELECT value FROM settings WHERE key = 'kill_switch'`;
    expect(flag?.value).toEqual({ enabled: false });
  });
});
