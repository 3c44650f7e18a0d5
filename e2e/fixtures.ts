import { randomUUID } from "node:crypto";
import { test as base, expect, type Page } from "@playwright/test";
import postgres from "postgres";
import { pageHydrated } from "./page-ready";
import { KillSwitchBar } from "./pages/kill-switch";
import { authFile, E2E_PASSWORDS, type E2eState, e2eState, type Role } from "./state";

/** Signs in through the real login form (the flow auth.spec.ts tests); ends on the overview. */
export async function signInThroughForm(page: Page, role: Role): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(`${role}@demo.local`);
  await page.getByLabel("Password").fill(E2E_PASSWORDS[role]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/overview");
}

type Fixtures = {
  state: E2eState;
  /**
   * A page of its own signed in as `role` (the session global-setup.ts saved), on `path` (the
   * overview unless given), hydrated.
   */
  as: (role: Role, path?: string) => Promise<Page>;
  /** A page with no session at all. */
  anonymous: () => Promise<Page>;
  sql: postgres.Sql;
  /** The kill-switch bar on `page`; the switch is turned off again after the test. */
  killSwitch: (page: Page) => KillSwitchBar;
  /** Pays through the agent payment API as `agent`; returns status and JSON body. */
  pay: (
    agent: string,
    path: string,
    extra?: Record<string, unknown>,
  ) => Promise<{ status: number; body: Record<string, unknown> }>;
};

export const test = base.extend<Fixtures>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
  state: async ({}, use) => {
    await use(e2eState());
  },
  baseURL: async ({ state }, use) => {
    await use(state.baseURL);
  },
  as: async ({ browser, state }, use) => {
    const pages: Page[] = [];
    await use(async (role, path = "/overview") => {
      const context = await browser.newContext({
        baseURL: state.baseURL,
        acceptDownloads: true,
        storageState: authFile(role),
      });
      const page = await context.newPage();
      pages.push(page);
      await page.goto(path);
      // The saved session holds: the page is not the sign-in form.
      if (!path.startsWith("/login")) await expect(page).not.toHaveURL(/\/login/);
      // Handed over hydrated: a filter changed before its handler is attached applies nothing
      // (ledger.spec.ts failed so in CI twice on 2026-12-07, opened first or second). Hydration
      // is what a test waits for, so the page is opened directly (the overview first cost a page
      // load per call).
      await pageHydrated(page);
      return page;
    });
    for (const page of pages) await page.context().close();
  },
  anonymous: async ({ browser, state }, use) => {
    const pages: Page[] = [];
    await use(async () => {
      const page = await (await browser.newContext({ baseURL: state.baseURL })).newPage();
      pages.push(page);
      return page;
    });
    for (const page of pages) await page.context().close();
  },
  sql: async ({ state }, use) => {
    const sql = postgres(state.dbUrl, { max: 2, onnotice: () => {} });
    await use(sql);
    await sql.end();
  },
  killSwitch: async ({ sql }, use) => {
    await use((page) => new KillSwitchBar(page));
    await sql`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
  },
  pay: async ({ state, request }, use) => {
    await use(async (agent, path, extra = {}) => {
      const res = await request.post(`${state.baseURL}/api/v1/payments`, {
        headers: { authorization: `Bearer ${state.agentKeys[agent]}` },
        data: { url: `${state.vendorUrl}${path}`, idempotencyKey: randomUUID(), ...extra },
      });
      return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
    });
  },
});

export { expect };
