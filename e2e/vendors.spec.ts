import { expect, test } from "./fixtures";

/**
 * The vendor catalog in the console: the Vendors list (search, sort), a vendor's page whose payTo
 * changed (a viewer reads, an operator accepts the address, audited) and the agent page's
 * allowlist, whose hosts can be chosen from the catalog.
 */

const HOST = "e2e-vendor.example";
const PINNED = "0x1111111111111111111111111111111111111111";
const ASKED = "0x2222222222222222222222222222222222222222";

test.describe("vendors", () => {
  test.beforeEach(async ({ sql }) => {
    await sql`DELETE FROM vendors WHERE host = ${HOST}`;
    await sql`
      INSERT INTO vendors (host, source, description, pay_to, accepted_pay_to, pay_to_accepted_by, pay_to_accepted_at)
      VALUES (${HOST}, '402', 'E2E vendor', ${ASKED}, ${PINNED}, 'first_seen:402', now())`;
    await sql`
      INSERT INTO vendor_resources (host, url, method, scheme, network, asset, pay_to, advertised_micro, asked_micro, asked_at)
      VALUES (${HOST}, ${`https://${HOST}/report`}, 'GET', 'exact', 'eip155:31337', ${PINNED}, ${ASKED}, 100000, 150000, now())`;
  });
  test.afterEach(async ({ sql }) => {
    await sql`DELETE FROM vendors WHERE host = ${HOST}`;
  });

  test("the list finds a vendor, sorts by a column from the keyboard, and leads to its page", async ({
    as,
  }) => {
    const page = await as("viewer", "/vendors");
    await page.getByLabel("Search host or description").fill("e2e-vendor");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/\/vendors\?q=e2e-vendor/);
    const table = page.getByRole("table", { name: "Vendors in the catalog" });
    await expect(table.getByRole("row")).toHaveCount(2);
    await expect(table.getByText("payTo changed")).toBeVisible();
    await table.getByRole("link", { name: /^Vendor/ }).focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/sort=host/);
    await expect(page.getByRole("columnheader", { name: /^Vendor/ })).toHaveAttribute(
      "aria-sort",
      "ascending",
    );
    await page.getByRole("link", { name: HOST }).click();
    await expect(page.getByRole("heading", { level: 1, name: HOST })).toBeVisible();
    await expect(page.getByRole("alert").filter({ hasText: "another address" })).toBeVisible();
    await expect(page.getByText("50.0% above advertised")).toBeVisible();
    await expect(page.getByRole("button", { name: "Accept this payTo" })).toHaveCount(0);
  });

  test("an operator accepts the asked payTo: the pin moves, audited", async ({ as, sql }) => {
    const page = await as("operator", `/vendors/${HOST}`);
    // The kill-switch dialog has a reason field too: the form's own fields.
    const form = page.getByRole("form", { name: `Accept a payTo for ${HOST}` });
    await expect(form.getByLabel("Address to accept")).toHaveValue(ASKED);
    await form.getByLabel("Reason (kept in the audit log)").fill("confirmed by phone");
    await form.getByRole("button", { name: "Accept this payTo" }).click();
    await expect(
      form.getByText(`Accepted: ${HOST} is paid at ${ASKED} from the next payment.`),
    ).toBeVisible();
    await expect(page.getByRole("heading", { level: 1, name: HOST })).toBeVisible();
    await expect(page.getByText("pinned", { exact: true })).toBeVisible();
    const [vendor] = await sql<
      { accepted_pay_to: string }[]
    >`SELECT accepted_pay_to FROM vendors WHERE host = ${HOST}`;
    expect(vendor?.accepted_pay_to).toBe(ASKED);
    const audit = await sql<{ actor: string; reason: string }[]>`
      SELECT actor, reason FROM audit_log WHERE action = 'vendor.payto_accepted' AND target_id = ${HOST}`;
    expect(audit).toEqual([{ actor: "operator@demo.local", reason: "confirmed by phone" }]);
  });

  test("the agent page offers the catalog's hosts for the allowlist; typing stays possible", async ({
    as,
  }) => {
    const page = await as("operator", "/agents/code_review_agent");
    const hosts = page.locator("#vendor-hosts");
    const picker = page.getByRole("group", { name: "Choose from the vendor catalog" });
    await picker.getByLabel(HOST).check();
    await expect(hosts).toHaveValue(new RegExp(`(^|\\n)${HOST.replace(/\./g, "\\.")}($|\\n)`));
    await picker.getByLabel(HOST).uncheck();
    await expect(hosts).not.toHaveValue(new RegExp(HOST.replace(/\./g, "\\.")));
    await hosts.fill(HOST);
    await expect(picker.getByLabel(HOST)).toBeChecked();
  });
});
