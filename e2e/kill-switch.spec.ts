import type { Request } from "@playwright/test";
import { expect, test } from "./fixtures";

test.describe("kill switch", () => {
  test("an operator stops payments from the console; the API refuses at once; resuming lets them through", async ({
    as,
    killSwitch,
    pay,
    sql,
  }) => {
    const bar = killSwitch(await as("operator"));
    await bar.stop("incident drill");

    const refused = await pay("builder_agent", "/search");
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: { code: "payments_disabled" } });

    await bar.resume("drill over");

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

  test("a viewer has no control, and a forged server-action call changes nothing", async ({
    as,
    killSwitch,
    sql,
  }) => {
    // Record the operator's real action call...
    const operator = await as("operator");
    let captured: Request | undefined;
    operator.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) captured = request;
    });
    await killSwitch(operator).stop("to capture");
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
