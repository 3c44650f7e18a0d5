import { Hono } from "hono";
import { serveLocally } from "./hostile-vendor";

/**
 * A facilitator's discovery list (Bazaar) as a test wants it, for the vendor catalog's tests:
 * entries built field by field (any field may be hostile) and a server answering them page by page
 * on `GET /discovery/resources`, or a raw body.
 */

export interface EntryDefaults {
  network: string;
  usdcAddress: string;
  payTo: string;
}

/** A discovery list entry for `resource`, asking `amount` of `defaults`' USDC to `payTo`. */
export function discoveryEntry(
  defaults: EntryDefaults,
  resource: unknown,
  over: { amount?: unknown; payTo?: unknown; scheme?: unknown; network?: unknown; method?: unknown } = {},
  extra: Record<string, unknown> = {},
) {
  return {
    resource,
    type: "http",
    x402Version: 2,
    accepts: [
      {
        scheme: over.scheme ?? "exact",
        network: over.network ?? defaults.network,
        asset: defaults.usdcAddress,
        amount: over.amount ?? "1000",
        payTo: over.payTo ?? defaults.payTo,
        maxTimeoutSeconds: 60,
        extra: { name: "USD Coin", version: "2" },
      },
    ],
    lastUpdated: new Date().toISOString(),
    ...(over.method !== undefined
      ? { extensions: { bazaar: { info: { input: { type: "http", method: over.method } } } } }
      : {}),
    ...extra,
  };
}

/** A facilitator whose discovery list is `items()` (paged as the Bazaar list is), or a raw body. */
export async function fakeFacilitator(items: () => unknown[] | string) {
  const app = new Hono();
  app.get("/discovery/resources", (c) => {
    const all = items();
    if (typeof all === "string") return c.body(all, 200, { "content-type": "application/json" });
    const limit = Number(c.req.query("limit") ?? "20");
    const offset = Number(c.req.query("offset") ?? "0");
    return c.json({
      x402Version: 2,
      items: all.slice(offset, offset + limit),
      pagination: { limit, offset, total: all.length },
    });
  });
  return serveLocally(app);
}
