import { expect, test } from "./fixtures";

/**
 * Bad input answers 400 with a stable code on every route, also after console pages have
 * rendered in the same process (they build the cached payment service from another bundle, and
 * an error class from one bundle is not an instance of the other's).
 */
test("bad input after a page render: 400 with a code, never a bare 500", async ({
  as,
  pay,
  request,
  state,
}) => {
  const page = await as("operator");
  for (const path of ["/overview", "/settlements", "/ledger"]) {
    await page.goto(path);
    await expect(page.locator("main")).toBeVisible();
  }
  for (const url of ["file:///etc/passwd", "ftp://example.com/x", "not a url"]) {
    const res = await pay("builder_agent", "", { url });
    expect(res.status, url).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "invalid_request" } });
  }
  const unparsable = await request.post(`${state.baseURL}/api/v1/payments`, {
    headers: { authorization: `Bearer ${state.agentKeys.builder_agent}`, "content-type": "application/json" },
    data: "{not json",
  });
  expect(unparsable.status()).toBe(400);
  expect(await unparsable.json()).toMatchObject({ error: { code: "invalid_request" } });
  const badPrice = await pay("builder_agent", "/search", { maxPriceUsdc: "1.2.3" });
  expect(badPrice.status).toBe(400);
  const ledger = await page.request.get("/api/console/ledger?status=bogus");
  expect(ledger.status()).toBe(400);
  expect(await ledger.json()).toMatchObject({ error: { code: expect.any(String) } });
  const cursor = await page.request.get("/api/console/ledger?cursor=garbage");
  expect(cursor.status()).toBe(400);
});
