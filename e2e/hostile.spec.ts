import { expect, test } from "./fixtures";

/**
 * Issue 25 against the real server: hostile bytes in a path never give a 500. A path whose
 * percent-encoding is not UTF-8 made Next answer a plain-text 500 without the security headers
 * (proxy.ts now refuses it); a NUL in a record page's segment reached PostgreSQL (a 500 page).
 */

function expectSecurityHeaders(headers: Record<string, string>, what: string) {
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
}

test("percent-encoding that is not UTF-8: 400 JSON naming the part, with the security headers", async ({
  as,
}) => {
  const page = await as("viewer");
  for (const [path, field] of [
    ["/ledger/%E0%A4%A", "path"],
    ["/agents/%E0%A4%A", "path"],
    ["/api/console/ledger/%ED%A0%80", "path"],
  ] as const) {
    const res = await page.request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(400);
    expect(await res.json(), path).toMatchObject({ error: { code: "invalid_request", field } });
    expectSecurityHeaders(res.headers(), path);
  }
});

test("a NUL or another control character in a record page's segment is the 404 page", async ({ as }) => {
  const page = await as("viewer");
  for (const path of ["/agents/%00", "/ledger/%00", "/agents/a%07b", "/audits/%00"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    expectSecurityHeaders(res?.headers() ?? {}, path);
  }
  const api = await page.request.get("/api/console/agents?agent=a%00b");
  expect(api.status()).toBe(400);
  expect(await api.json()).toMatchObject({ error: { code: "invalid_filter", field: "agent" } });
  // Next turns a query's bytes that are not UTF-8 into U+FFFD before the route runs: refused as such.
  const bytes = await page.request.get("/api/console/agents?agent=%FF");
  expect(bytes.status()).toBe(400);
  expect(await bytes.json()).toMatchObject({ error: { code: "invalid_filter", field: "agent" } });
});
