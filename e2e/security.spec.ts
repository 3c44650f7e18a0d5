import type { Page } from "@playwright/test";
import { expect, signInThroughForm, test } from "./fixtures";

function expectSecurityHeaders(
  response: { headers(): Record<string, string> } | null | undefined,
  what: string,
) {
  const headers = response?.headers() ?? {};
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe("strict-origin-when-cross-origin");
}

/** Collects Content-Security-Policy violations the page reports, from the console and the DOM. */
async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text()))
      violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return violations;
}

test.describe("security headers", () => {
  test("are sent with pages and API routes", async ({ request, state }) => {
    expectSecurityHeaders(await request.get(`${state.baseURL}/login`), "/login");
    expectSecurityHeaders(await request.get(`${state.baseURL}/api/health`), "/api/health");
  });

  test("only the wallet pages may talk to a chain or a wallet service from the browser", async ({ as }) => {
    const page = await as("viewer");
    const connectSrc = async (path: string) => {
      const csp = (await page.goto(path))?.headers()["content-security-policy"] ?? "";
      return csp.split("; ").find((d) => d.startsWith("connect-src")) ?? "";
    };
    for (const path of ["/treasury/fund", "/treasury/rotate", "/treasury/owners"]) {
      expect(await connectSrc(path), path).toContain("wss://*.walletconnect.com");
    }
    for (const path of ["/overview", "/treasury"]) {
      expect(await connectSrc(path), path).toBe("connect-src 'self'");
    }
  });

  test("the login and overview pages run without CSP violations", async ({ anonymous }) => {
    const page = await anonymous();
    const violations = await watchCsp(page);
    expectSecurityHeaders(await page.goto("/login"), "login page");
    await signInThroughForm(page, "viewer");
    // The overview's charts are client components: wait for them to render.
    await page.waitForLoadState("networkidle");
    expect(violations).toEqual([]);
  });
});

test.describe("server actions", () => {
  test("a call without an Origin header is refused before it runs", async ({ as, state }) => {
    const page = await as("admin");
    const response = await page.request.post(`${state.baseURL}/overview`, {
      headers: { "next-action": "0".repeat(42), accept: "text/x-component" },
      data: "[]",
      maxRedirects: 0,
    });
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "origin_required" } });
  });
});

test.describe("health", () => {
  test("signed-in users get the details, signed-out callers the status only", async ({
    as,
    request,
    state,
  }) => {
    const open = (await (await request.get(`${state.baseURL}/api/health`)).json()) as Record<string, unknown>;
    expect(Object.keys(open).sort()).toEqual(["checkedAt", "status"]);
    const page = await as("viewer");
    const full = (await (await page.request.get(`${state.baseURL}/api/health`)).json()) as Record<
      string,
      unknown
    >;
    expect(full).toHaveProperty("killSwitch");
    expect(full).toHaveProperty("migrations");
  });
});

test.describe("sign-in throttling", () => {
  test("the login form says when to try again after too many failures", async ({ anonymous }) => {
    const page = await anonymous();
    await page.goto("/login");
    // An account of its own (unknown emails are throttled like known ones), so other specs'
    // sign-ins are not locked out.
    await page.getByLabel("Email").fill("brute-force-target@demo.local");
    for (let i = 0; i < 5; i++) {
      await page.getByLabel("Password").fill(`wrong-password-${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password" })).toBeVisible();
      await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
    }
    await page.getByLabel("Password").fill("wrong-password-again");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(
      page.getByRole("alert").filter({ hasText: /Too many failed sign-ins\. Try again in \d+ seconds\./ }),
    ).toBeVisible();
  });
});
