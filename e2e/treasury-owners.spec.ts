import type { Page, Request } from "@playwright/test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { expect, test } from "./fixtures";

/**
 * Treasury owners (/treasury/owners): an admin adds and removes the wallets whose signature
 * approves a payer-key rotation; everyone signed in sees them; a refused input saves nothing; a
 * lower role has no form, and its forged server-action call is refused by the server.
 */

const ownersTable = (page: Page) => page.getByRole("table", { name: "Treasury owners", exact: true });

test.describe("Treasury owners", () => {
  test("an admin adds an owner (listed, audited), a bad address is refused with nothing saved, then removes it", async ({
    as,
    sql,
  }) => {
    const owner = privateKeyToAccount(generatePrivateKey()).address;
    const label = `e2e ledger ${Date.now()}`;
    const page = await as("admin");
    await page.goto("/treasury/owners");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Treasury owners");
    const form = page.getByRole("region", { name: "Add an owner" });

    // A malformed address: the field says why, the summary says nothing was saved, and nothing was.
    const before = await sql`SELECT count(*)::int AS n FROM treasury_owners`;
    await form.getByLabel("Address").fill("0x1234");
    await form.getByRole("button", { name: "Add owner" }).click();
    await expect(form.getByLabel("Address")).toHaveAccessibleDescription(
      /Address: expected a 0x-prefixed 20-byte hex address/,
    );
    await expect(form.getByRole("alert").filter({ hasText: "1 problem: nothing was saved." })).toBeVisible();
    expect(await sql`SELECT count(*)::int AS n FROM treasury_owners`).toEqual(before);

    // The real one, typed lower-case with the keyboard: shown checksummed, with its label and source.
    await form.getByLabel("Address").fill(owner.toLowerCase());
    await form.getByLabel("Label").fill(label);
    await form.getByLabel("Label").press("Enter");
    await expect(form.getByRole("status")).toHaveText(`Added ${owner}: its approval counts from now on.`);
    const row = ownersTable(page).getByRole("row").filter({ hasText: owner });
    await expect(row).toContainText(label);
    await expect(row).toContainText("Console");
    await expect(row).toContainText("admin@demo.local");
    await expect(form.getByLabel("Address")).toHaveValue("");

    // The same address again: refused with its code, still one row.
    await form.getByLabel("Address").fill(owner);
    await form.getByRole("button", { name: "Add owner" }).click();
    await expect(form.getByRole("alert")).toContainText("treasury_owner_exists");
    await expect(ownersTable(page).getByRole("row").filter({ hasText: owner })).toHaveCount(1);

    const audit = await sql<{ actor: string; target_id: string }[]>`
      SELECT actor, target_id FROM audit_log WHERE action = 'treasury_owner.add' AND target_id = ${owner}`;
    expect(audit).toEqual([{ actor: "admin@demo.local", target_id: owner }]);
    await page.goto("/audit-log");
    await expect(
      page
        .getByRole("table", { name: "Audit log, newest first" })
        .getByRole("row")
        .filter({ hasText: "Treasury owner added" })
        .first(),
    ).toBeVisible();

    // Remove: a confirmation first; "Keep it" changes nothing, the dialog's button removes.
    await page.goto("/treasury/owners");
    await page.getByRole("button", { name: `Remove owner ${owner}` }).click();
    const dialog = page.getByRole("dialog", { name: "Remove this treasury owner?" });
    await expect(dialog).toContainText(owner);
    await dialog.getByRole("button", { name: "Keep it" }).click();
    await expect(dialog).toBeHidden();
    await expect(ownersTable(page).getByRole("row").filter({ hasText: owner })).toHaveCount(1);
    await page.getByRole("button", { name: `Remove owner ${owner}` }).click();
    await dialog.getByRole("button", { name: "Remove owner" }).click();
    await expect(dialog).toBeHidden();
    await expect(ownersTable(page).getByRole("row").filter({ hasText: owner })).toHaveCount(0);
    await expect(
      page
        .getByRole("table", { name: "Removed treasury owners" })
        .getByRole("row")
        .filter({ hasText: owner }),
    ).toContainText("admin@demo.local");
    const [removed] = await sql<{ removed_by: string }[]>`
      SELECT removed_by FROM treasury_owners WHERE address = ${owner.toLowerCase()}`;
    expect(removed?.removed_by).toBe("admin@demo.local");
  });

  test("a viewer and an operator see the owners but no form, and a forged add is refused", async ({
    as,
    sql,
  }) => {
    const listed = privateKeyToAccount(generatePrivateKey()).address;
    const forged = privateKeyToAccount(generatePrivateKey()).address;
    // Record the admin's real action call...
    const admin = await as("admin");
    await admin.goto("/treasury/owners");
    let captured: Request | undefined;
    admin.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) captured = request;
    });
    const form = admin.getByRole("region", { name: "Add an owner" });
    await form.getByLabel("Address").fill(listed);
    await form.getByRole("button", { name: "Add owner" }).click();
    await expect(form.getByRole("status")).toContainText(`Added ${listed}`);
    expect(captured).toBeDefined();

    for (const role of ["viewer", "operator"] as const) {
      const page = await as(role);
      await page.goto("/treasury/owners");
      await expect(ownersTable(page).getByRole("row").filter({ hasText: listed })).toBeVisible();
      await expect(page.getByRole("region", { name: "Add an owner" })).toHaveCount(0);
      await expect(page.getByRole("button", { name: /Remove owner/ })).toHaveCount(0);
      await expect(page.getByText(`needs the admin role; you are ${role}`)).toBeVisible();

      // ...and replay it with this role's session, for another address.
      const headers: Record<string, string> = { ...(captured?.headers() ?? {}) };
      delete headers.cookie;
      // A same-origin call as the browser makes it: what refuses it must be the role, not the Origin.
      headers.origin = new URL(captured?.url() ?? "http://x").origin;
      const response = await page.request.post(captured?.url() ?? "", {
        headers,
        data: (captured?.postData() ?? "").replaceAll(listed, forged),
      });
      expect(await response.text()).toContain('"code":"forbidden"');
    }
    expect(await sql`SELECT 1 FROM treasury_owners WHERE address = ${forged.toLowerCase()}`).toHaveLength(0);
    await sql`UPDATE treasury_owners SET removed_at = now(), removed_by = 'e2e cleanup'
      WHERE address = ${listed.toLowerCase()} AND removed_at IS NULL`;
  });
});
