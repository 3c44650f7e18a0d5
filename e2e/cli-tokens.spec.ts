import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { runX402 } from "@/lib/testing/spawn";
import { expect, test } from "./fixtures";
import type { E2eState } from "./state";

/**
 * The CLI tokens page (/settings/tokens): every role makes a personal token (shown once, with the
 * `x402 login --token` command), sees and revokes its own; an admin sees and revokes everyone's.
 * The token is checked where it is used: a real `x402` process signs in with it, and is refused
 * once it is revoked.
 */

/** A shell of its own: the e2e database and a config folder nobody signed in to yet. */
function shell(state: E2eState): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: state.dbUrl, NEXT_TELEMETRY_DISABLED: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("X402_")) delete env[key];
  return { ...env, X402_CONFIG_DIR: mkdtempSync(path.join(tmpdir(), "x402-e2e-tokens-")) };
}

async function x402(env: NodeJS.ProcessEnv, args: string[]) {
  const r = await runX402([...args, "--json"], { env, timeoutMs: 120_000 });
  return { code: r.code, json: () => JSON.parse(r.stdout || r.stderr) as Record<string, unknown> };
}

const tokensTable = (page: Page) => page.getByRole("table", { name: /CLI tokens$/ });
const tokenRow = (page: Page, name: string) => tokensTable(page).getByRole("row").filter({ hasText: name });

/** Makes a token through the page's form; returns the token and the command the page shows. */
async function makeToken(
  page: Page,
  name: string,
  days: string,
): Promise<{ token: string; command: string }> {
  const form = page.getByRole("region", { name: "Make a personal token" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Lasts (days)").fill(days);
  await form.getByRole("button", { name: "Make token" }).click();
  const shown = form.getByTestId("new-cli-token");
  await expect(shown).toHaveText(/^x402_cli_[A-Za-z0-9_-]{43}$/);
  const token = (await shown.textContent()) ?? "";
  const command = (await form.getByTestId("new-cli-token-command").textContent()) ?? "";
  return { token, command };
}

test.describe("CLI tokens page", () => {
  test.describe.configure({ timeout: 240_000 });

  test("a viewer makes a token (shown once), signs x402 in with the copied command, then revokes it", async ({
    as,
    sql,
    state,
  }) => {
    const name = `e2e viewer laptop ${randomUUID().slice(0, 8)}`;
    const page = await as("viewer");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    // Reachable from the navigation for every role (the Users page is not).
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "CLI tokens" }).click();
    await expect(page).toHaveURL(/\/settings\/tokens$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("CLI tokens");

    const { token, command } = await makeToken(page, name, "7");
    expect(command).toBe(`x402 login --token ${token}`);
    await page.getByRole("button", { name: "Copy login command" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);

    // Listed as the viewer's, active, lasting 7 days; the database has its hash, never the token.
    const row = tokenRow(page, name);
    await expect(row).toContainText("active");
    await expect(row).toContainText(token.slice(0, 15));
    const [stored] = await sql<{ token_hash: string; days: number; email: string }[]>`
      SELECT c.token_hash, extract(epoch FROM c.expires_at - c.created_at)::int / 86400 AS days, u.email
      FROM cli_tokens c JOIN users u ON u.id = c.user_id WHERE c.name = ${name}`;
    expect(stored).toEqual({
      token_hash: createHash("sha256").update(token).digest("hex"),
      days: 7,
      email: "viewer@demo.local",
    });

    // Shown once: after a reload it is nowhere on the page.
    await page.reload();
    await expect(tokenRow(page, name)).toBeVisible();
    expect(await page.content()).not.toContain(token.slice("x402_cli_".length));

    // The command works as the page shows it.
    const env = shell(state);
    expect((await x402(env, command.split(" ").slice(1))).code).toBe(0);
    const whoami = await x402(env, ["whoami"]);
    expect(whoami.json()).toMatchObject({ user: { email: "viewer@demo.local", role: "viewer" } });

    // Revoke, from the keyboard: Escape keeps it; the confirmation revokes it.
    const revoke = tokenRow(page, name).getByRole("button", { name: /^Revoke token/ });
    await revoke.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Revoke this CLI token?" });
    await expect(dialog).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(tokenRow(page, name)).toContainText("active");
    await revoke.click();
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect(dialog).toBeHidden();
    await expect(tokenRow(page, name)).toContainText("revoked");
    await expect(tokenRow(page, name)).toContainText("by viewer@demo.local");
    await expect(tokenRow(page, name).getByRole("button", { name: /^Revoke token/ })).toHaveCount(0);

    const refused = await x402(env, ["whoami"]);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: { code: "cli_token_revoked" } });
    const audit = await sql<{ action: string; actor: string }[]>`
      SELECT action, actor FROM audit_log
      WHERE action LIKE 'cli_token.%' AND (after->>'name' = ${name} OR before->>'name' = ${name}) ORDER BY id`;
    expect(audit).toEqual([
      { action: "cli_token.create", actor: "viewer@demo.local" },
      { action: "cli_token.revoke", actor: "viewer@demo.local" },
    ]);
  });

  test("a lifetime out of range is refused under its field and nothing is made", async ({ as, sql }) => {
    const name = `e2e too long ${randomUUID().slice(0, 8)}`;
    const page = await as("operator", "/settings/tokens");
    const form = page.getByRole("region", { name: "Make a personal token" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("Lasts (days)").fill("400");
    await form.getByRole("button", { name: "Make token" }).click();
    await expect(form.getByLabel("Lasts (days)")).toHaveAccessibleDescription(
      /Lasts \(days\): at most 365 days/,
    );
    await expect(form.getByRole("alert").filter({ hasText: "1 problem: nothing was saved." })).toBeVisible();
    await expect(form.getByTestId("new-cli-token")).toHaveCount(0);
    expect(await sql`SELECT 1 FROM cli_tokens WHERE name = ${name}`).toHaveLength(0);
  });

  test("a viewer sees only their own tokens; an admin sees everyone's and revokes the viewer's", async ({
    as,
    state,
  }) => {
    const suffix = randomUUID().slice(0, 8);
    const admin = await as("admin", "/settings/tokens");
    await makeToken(admin, `e2e admin's ${suffix}`, "30");

    const viewer = await as("viewer", "/settings/tokens");
    const viewers = await makeToken(viewer, `e2e viewer's ${suffix}`, "30");
    await expect(tokenRow(viewer, `e2e viewer's ${suffix}`)).toBeVisible();
    await expect(tokensTable(viewer)).not.toContainText(`e2e admin's ${suffix}`);
    await expect(tokensTable(viewer)).not.toContainText("admin@demo.local");
    await expect(viewer.getByRole("columnheader", { name: "User" })).toHaveCount(0);

    await admin.reload();
    await expect(admin.getByRole("table", { name: "Every user's CLI tokens" })).toBeVisible();
    const row = tokenRow(admin, `e2e viewer's ${suffix}`);
    await expect(row).toContainText("viewer@demo.local");
    await row.getByRole("button", { name: /^Revoke token/ }).click();
    const dialog = admin.getByRole("dialog", { name: "Revoke this CLI token?" });
    await expect(dialog).toContainText("viewer@demo.local's token");
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect(row).toContainText("by admin@demo.local");

    // The viewer's page says so too, and x402 refuses the token.
    await viewer.reload();
    await expect(tokenRow(viewer, `e2e viewer's ${suffix}`)).toContainText("revoked");
    const login = await x402(shell(state), ["login", "--token", viewers.token]);
    expect(login.code).toBe(1);
    expect(login.json()).toMatchObject({ error: { code: "cli_token_revoked" } });
  });
});
