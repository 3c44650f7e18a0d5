import { randomUUID } from "node:crypto";
import { type Browser, test as base, expect, type Page } from "@playwright/test";
import postgres from "postgres";
import { E2E_PASSWORDS, type E2eState, e2eState, type Role } from "./state";

/** Signs in through the real login form and returns the page on the overview. */
export async function signIn(browser: Browser, role: Role, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(`${role}@demo.local`);
  await page.getByLabel("Password").fill(E2E_PASSWORDS[role]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/overview");
  return page;
}

type Fixtures = {
  state: E2eState;
  as: (role: Role) => Promise<Page>;
  sql: postgres.Sql;
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
    await use(async (role) => {
      const page = await signIn(browser, role, state.baseURL);
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
