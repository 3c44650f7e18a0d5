import type { Page } from "@playwright/test";
import type { AgentView } from "@/lib/dal/agents";
import { formatDollars, formatMoney, formatUsdc } from "@/lib/payment-core/support/money";
import { expect, test } from "./fixtures";

/** The agent as the console's own API reports it: the figures the engine enforces. */
async function agentView(page: Page, id: string): Promise<AgentView> {
  const res = await page.request.get(`/api/console/agents?agent=${id}`);
  const [agent] = ((await res.json()) as { agents: AgentView[] }).agents;
  if (!agent) throw new Error(`no agent ${id}`);
  return agent;
}

const used = (w: { spentMicro: string; reservedMicro: string }) =>
  BigInt(w.spentMicro) + BigInt(w.reservedMicro);

test.describe("forms that protect the operator", () => {
  test.afterEach(async ({ sql }) => {
    await sql`DELETE FROM budget_policies`;
    await sql`UPDATE agents SET status = 'active'`;
  });

  test("limit warnings as the operator types and in the saved result, with the room left after the change", async ({
    as,
    pay,
    sql,
  }) => {
    const id = "builder_agent";
    expect((await pay(id, "/search")).status).toBe(200);
    const page = await as("operator", `/agents/${id}`);
    const agent = await agentView(page, id);
    const hard = BigInt(agent.hardLimitMicro);
    const dayUsed = used(agent.daily);
    const monthUsed = used(agent.monthly);
    expect(dayUsed).toBeGreaterThan(0n);

    const form = page.getByRole("form", { name: "Daily and per-transaction limits" });
    const warnings = form.getByRole("list", { name: "Warnings" });
    const daily = form.getByLabel("Daily limit (USDC)");
    const perTx = form.getByLabel("Per-transaction max (USDC)");

    // Above the hard limit: says what is actually enforced.
    await daily.fill("500");
    await perTx.fill(formatUsdc(hard + 15_000_000n, 0));
    await expect(warnings).toContainText(
      `above the hard limit ${formatDollars(hard)} (X402_HARD_LIMIT_USDC): ${formatDollars(hard)} is what will actually be enforced`,
    );
    await expect(form).toContainText(
      `Remaining after this change: today ${formatMoney(500_000_000n - dayUsed)} · this month ${formatMoney(BigInt(agent.monthly.limitMicro) - monthUsed)}`,
    );

    // Above the daily limit.
    await perTx.fill("5");
    await daily.fill("4");
    await expect(warnings).toContainText(`Per-transaction max $5.00 is above the daily limit $4.00`);
    await expect(warnings).not.toContainText("hard limit");

    // Below today's spend: refused until tomorrow, nothing left today.
    const below = dayUsed - 1n;
    await daily.fill(formatUsdc(below, 0));
    await expect(warnings).toContainText(
      `Daily limit ${formatDollars(below)} is not above what is already spent today (${formatDollars(dayUsed)}`,
    );
    await expect(warnings).toContainText("payments will be refused until tomorrow");
    await expect(form).toContainText("Remaining after this change: today $0.00");

    // A warning, not a refusal: it saves, and the saved result says it again.
    await form.getByRole("button", { name: "Save limits" }).click();
    await expect(form.getByRole("status")).toContainText("Saved");
    await expect(form).toContainText("Remaining now: today $0.00");
    await expect(form.getByRole("list", { name: "Warnings" }).last()).toContainText("refused until tomorrow");
    const [policy] = await sql`SELECT limit_micro::text AS limit FROM budget_policies
      WHERE agent_id = ${id} AND kind = 'daily'`;
    expect(policy?.limit).toBe(below.toString());
    expect((await pay(id, "/search")).body).toMatchObject({ error: { code: "daily_limit_exceeded" } });
  });

  test("a monthly limit below this month's spend is warned about; the button says what it will do", async ({
    as,
    pay,
  }) => {
    const id = "research_agent";
    expect((await pay(id, "/search")).status).toBe(200);
    const page = await as("operator", `/agents/${id}`);
    const agent = await agentView(page, id);
    const current = BigInt(agent.monthly.limitMicro);
    const form = page.getByRole("form", { name: "Monthly limit" });
    const amount = form.getByLabel("Monthly limit (USDC)");

    await expect(form.getByRole("button", { name: "Change monthly limit" })).toBeVisible();
    await amount.fill(formatUsdc(current + 1_000_000n, 0));
    await expect(form.getByRole("button", { name: "Request increase" })).toBeVisible();
    await amount.fill(formatUsdc(current - 1_000_000n, 0));
    await expect(form.getByRole("button", { name: "Lower now" })).toBeVisible();
    await amount.fill("not money");
    await expect(form.getByRole("button", { name: "Change monthly limit" })).toBeVisible();
    await expect(form.getByRole("button", { name: /Request monthly change/ })).toHaveCount(0);

    await amount.fill("0.001");
    await expect(form.getByRole("list", { name: "Warnings" })).toContainText(
      `Monthly limit ${formatDollars(1_000n)} is not above what is already spent this month (${formatDollars(used(agent.monthly))}`,
    );
    await expect(form).toContainText("payments will be refused until next month");
    await expect(form).toContainText("this month $0.00");
  });

  for (const size of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`pausing an agent asks first, naming it; Escape cancels; it does not look like the kill switch (${size.width}px)`, async ({
      as,
      sql,
    }) => {
      const page = await as("operator");
      await page.setViewportSize(size);
      await page.goto("/agents/code_review_agent");
      const { name } = await agentView(page, "code_review_agent");
      const pause = page.getByRole("button", { name: "Pause agent" });
      const stopAll = page.getByRole("button", { name: "Stop all payments" });
      const style = (b: typeof pause) =>
        b.evaluate((el) => {
          const s = getComputedStyle(el);
          return `${s.backgroundColor} ${s.color}`;
        });
      expect(await style(pause)).not.toBe(await style(stopAll));

      await pause.click();
      const dialog = page.getByRole("dialog", { name: `Pause ${name}?` });
      await expect(dialog).toBeVisible();
      await expect(dialog).toContainText("code_review_agent");
      await expect(dialog).toContainText("refused with agent_paused");
      await expect(dialog).toContainText("Other agents keep paying");
      // Focus stays in the dialog.
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press("Tab");
        expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      }
      await page.keyboard.press("Escape");
      await expect(dialog).toBeHidden();
      const [still] = await sql`SELECT status FROM agents WHERE id = 'code_review_agent'`;
      expect(still?.status).toBe("active");

      await pause.click();
      await dialog.getByLabel("Reason (kept in the audit log)").fill("scanning the wrong repository");
      await dialog.getByRole("button", { name: `Pause ${name}` }).click();
      await expect(page.getByText("Agent paused: its next payment is refused")).toBeVisible();
      const [paused] = await sql`SELECT status FROM agents WHERE id = 'code_review_agent'`;
      expect(paused?.status).toBe("paused");
      const [audit] = await sql`SELECT reason FROM audit_log WHERE target_id = 'code_review_agent'
        ORDER BY id DESC LIMIT 1`;
      expect(audit?.reason).toBe("scanning the wrong repository");
    });
  }

  test("every error of a form at once, each a sentence naming its field, next to it and in a summary; nothing saved", async ({
    as,
    sql,
  }) => {
    const page = await as("admin", "/agents/builder_agent");

    const limits = page.getByRole("form", { name: "Daily and per-transaction limits" });
    await limits.getByLabel("Daily limit (USDC)").fill("12,50");
    await limits.getByLabel("Per-transaction max (USDC)").fill("0");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await expectFieldError(
      limits.getByLabel("Daily limit (USDC)"),
      /^Daily limit: enter an amount like 150 or 0\.25/,
    );
    await expectFieldError(
      limits.getByLabel("Per-transaction max (USDC)"),
      /^Per-transaction max: enter more than 0/,
    );
    const summary = limits.getByRole("alert").filter({ hasText: "2 problems: nothing was saved." });
    await expect(summary.getByRole("link")).toHaveText([
      /^Daily limit: enter an amount like 150 or 0\.25/,
      /^Per-transaction max: enter more than 0/,
    ]);

    const monthly = page.getByRole("form", { name: "Monthly limit" });
    await monthly.getByLabel("Monthly limit (USDC)").fill("");
    await monthly.getByRole("button", { name: "Change monthly limit" }).click();
    await expectFieldError(
      monthly.getByLabel("Monthly limit (USDC)"),
      "Monthly limit: enter an amount like 150 or 0.25",
    );
    await expectFieldError(
      monthly.getByLabel("Justification"),
      /^Justification: say why the limit should change/,
    );

    const vendor = page.getByRole("form", { name: "Edit the vendor allowlist" });
    await vendor.getByLabel("Allowed hosts").fill("https://api.example.com/path");
    await vendor.getByLabel("Allowed payee addresses").fill("0x12");
    await vendor.getByRole("button", { name: "Save allowlist" }).click();
    await expectFieldError(
      vendor.getByLabel("Allowed hosts"),
      /^Allowed hosts: vendor host "https:\/\/api\.example\.com\/path"/,
    );
    await expectFieldError(
      vendor.getByLabel("Allowed payee addresses"),
      /^Allowed payee addresses: payee "0x12" is not a 0x address/,
    );
    await expect(
      vendor.getByRole("alert").filter({ hasText: "2 problems: nothing was saved." }),
    ).toBeVisible();

    const [policies] = await sql`SELECT count(*)::int AS n FROM budget_policies`;
    expect(policies?.n).toBe(0);
    const [allowlist] =
      await sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'agent.vendor_policy_set'`;
    expect(allowlist?.n).toBe(0);

    await page.goto("/settings/users");
    const users = page.getByRole("region", { name: "Add a user" });
    await users.getByLabel("Email").fill("not-an-email");
    await users.getByLabel("Password").fill("short");
    await users.getByRole("button", { name: "Add user" }).click();
    await expectFieldError(users.getByLabel("Email"), "Email: enter an address like name@example.com");
    await expectFieldError(
      users.getByLabel("Password"),
      "Password: use at least 12 characters, or leave it empty to generate one",
    );
    await expect(
      users.getByRole("alert").filter({ hasText: "2 problems: nothing was saved." }),
    ).toBeVisible();
    const [user] = await sql`SELECT count(*)::int AS n FROM users WHERE email = 'not-an-email'`;
    expect(user?.n).toBe(0);
  });
});

/** The control is invalid and its description (what a screen reader reads) is the message, shown under it. */
async function expectFieldError(control: import("@playwright/test").Locator, message: string | RegExp) {
  await expect(control).toHaveAttribute("aria-invalid", "true");
  // The description also holds the field's hint, before the message.
  const pattern = message instanceof RegExp ? message.source.replace(/^\^/, "") : escapeRegExp(message);
  await expect(control).toHaveAccessibleDescription(new RegExp(pattern));
  await expect(control.locator("xpath=..")).toContainText(new RegExp(pattern));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("a form's button waits for the page's scripts: no click before then sends the form as a GET", async ({
  as,
}) => {
  const page = await as("admin");
  // Hold the page's scripts back, as a slow network or a busy machine does.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route("**/_next/static/chunks/**/*.js", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/settings/tokens", { waitUntil: "domcontentloaded" });
  const button = page.getByRole("button", { name: "Make token" });
  await expect(button).toBeDisabled();
  await page.getByLabel("Name", { exact: true }).fill("before-hydration");
  release();
  await expect(button).toBeEnabled();
  await button.click();
  await expect(page.getByRole("status").filter({ hasText: "Token “before-hydration” made" })).toBeVisible();
  expect(new URL(page.url()).search).toBe("");
});
