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

  test("resuming asks for a reason of its own: the dialog opens empty, not with the stop reason", async ({
    as,
    killSwitch,
  }) => {
    const page = await as("operator");
    const bar = killSwitch(page);
    await bar.stop("vendor incident 42");
    await page.getByRole("button", { name: "Resume payments" }).click();
    await expect(bar.dialog.getByLabel("Reason (kept in the audit log)")).toHaveValue("");
    // An empty reason is refused, as a sentence naming the field; the switch stays on.
    await bar.dialog.getByRole("button", { name: "Resume payments" }).click();
    await expect(bar.dialog.getByLabel("Reason (kept in the audit log)")).toHaveAccessibleDescription(
      "Reason: give a reason of at least 3 characters",
    );
    await expect(
      bar.dialog.getByRole("alert").filter({ hasText: "1 problem: nothing was saved." }),
    ).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(page.getByText("Payments are stopped (kill switch on)")).toBeVisible();
  });

  for (const size of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`while stopped, the banner stays on screen and says since when, by whom, why and how many payments it refused (${size.width}px)`, async ({
      as,
      killSwitch,
      pay,
      sql,
    }) => {
      const page = await as("operator");
      await page.setViewportSize(size);
      await killSwitch(page).stop("card processor outage");
      // As if it had been turned on 14 minutes ago; refusals from before then are not its.
      await sql`UPDATE settings SET updated_at = now() - interval '14 minutes 10 seconds' WHERE key = 'kill_switch'`;
      // Earlier tests' refusals within those 14 minutes count too.
      const [before] = await sql`SELECT count(*)::int AS n FROM transactions t, settings s
        WHERE s.key = 'kill_switch' AND t.status = 'rejected' AND t.error_code = 'payments_disabled'
          AND t.created_at >= s.updated_at`;
      const base = Number(before?.n ?? 0);
      for (let i = 0; i < 2; i++) expect((await pay("builder_agent", "/search")).status).toBe(503);

      // A long page: the agent's usage, limit forms, allowlist and transactions.
      await page.goto("/agents/builder_agent");
      const banner = page.getByRole("region", { name: "Kill switch" });
      await expect(banner).toContainText(
        "Stopped 14 minutes ago by operator@demo.local: card processor outage",
      );
      await expect(banner).toContainText(`${base + 2} payments refused since`);

      // Another refusal shows without a reload (the bar polls).
      expect((await pay("research_agent", "/search")).status).toBe(503);
      await expect(banner).toContainText(`${base + 3} payments refused since`, { timeout: 15_000 });

      // Scrolled to the bottom of a long page, it is still at the top of the screen.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
      const box = await banner.boundingBox();
      expect(box?.y).toBeLessThanOrEqual(1);
      expect(box?.height).toBeGreaterThan(40);
      await page.screenshot({ path: `test-results/kill-switch-banner-${size.width}.png` });
    });
  }
});
