import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { HTTPFacilitatorClient, type RouteConfig } from "@x402/core/server";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { UptoEvmScheme } from "@x402/evm/upto/server";
import {
  BAZAAR,
  bazaarResourceServerExtension,
  type DiscoveryResource,
  declareDiscoveryExtension,
} from "@x402/extensions/bazaar";
import {
  createEIP712OfferReceiptIssuer,
  createOfferReceiptExtension,
  declareOfferReceiptExtension,
  OFFER_RECEIPT,
} from "@x402/extensions/offer-receipt";
import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from "@x402/extensions/payment-identifier";
import { paymentMiddleware, setSettlementOverrides, x402ResourceServer } from "@x402/hono";
import { Hono } from "hono";
import { type Address, type Hex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { USDC_NAME, USDC_VERSION } from "./usdc";

/**
 * Demo vendors: paid HTTP APIs behind the official x402 Hono middleware, settling through a
 * facilitator over HTTP exactly as a production vendor would.
 *
 * Start order matters: start the facilitator first. The middleware fetches the facilitator's
 * supported kinds (GET /supported) when it is created and again before the first protected
 * request if that failed. Until a fetch succeeds the vendor cannot build payment requirements:
 * every paid route answers 500 {"error":"Internal Server Error"}. @x402/hono 2.27 retries on
 * each such request and recovers once the facilitator answers (see the test); don't rely on
 * it. Order: chain, USDC, facilitator, vendors, payer.
 *
 * Once initialised, a facilitator that goes down turns paid requests into 402 answers whose
 * PAYMENT-REQUIRED error is "fetch failed"; nothing is settled.
 *
 * A paid handler that answers >= 400 (see /flaky) is not settled: the middleware cancels the
 * verified payment and the payer keeps the money; the signed authorization is never submitted.
 *
 * /busy fails earlier, as an overloaded vendor does: a 503 to the unpaid request, before any
 * 402, so nothing is signed and the payer's retry of the first request (X402_PAY_MAX_RETRIES)
 * shows in the ledger's retry_count and the retry metrics.
 *
 * /search advertises the x402 payment-identifier extension (optional), so the demo's purchases
 * of it carry the payer's id and its ledger rows show "Payment identifier: sent".
 *
 * /code-scan advertises the x402 offer-receipt extension: its 402 carries EIP-712 signed offers
 * and its paid answers a signed receipt (it asks for the transaction hash, which @x402/core 2.27
 * does not pass to the extension, so the receipts carry none), both signed by the vendor's
 * receipt key (`receiptKey`, default DEMO_RECEIPT_KEY), so its ledger rows show "Receipt: verified".
 *
 * Every route declares the Bazaar discovery extension (how to call it, what it answers), and
 * `discoveryResources` lists the routes as a facilitator's discovery list has them: the local
 * network registers that list with its facilitator (index.ts), which serves it on
 * GET /discovery/resources, the console's vendor catalog's feed.
 */

/** The demo vendors' receipt-signing key: a fixed, public, demo-only key (never a real one). */
export const DEMO_RECEIPT_KEY: Hex = keccak256(stringToHex("x402 demo vendor receipt key"));

export interface DemoRoute {
  path: string;
  /** Price in micro-USDC (USDC's 6-decimal atomic unit). */
  priceMicro: bigint;
  description: string;
  /** Advertises the x402 payment-identifier extension (optional for the payer) in its 402. */
  paymentIdentifier?: boolean;
  /** Advertises the x402 offer-receipt extension: signed offers in its 402, a signed receipt when paid. */
  receipts?: boolean;
  /** An example query, for the route's Bazaar discovery declaration. */
  query?: Record<string, string>;
}

export const DEMO_ROUTES = [
  {
    path: "/search",
    priceMicro: 10_000n,
    description: "Web search: ranked results for a query",
    paymentIdentifier: true,
    query: { q: "x402" },
  },
  {
    path: "/code-scan",
    priceMicro: 250_000n,
    description: "Static analysis findings for a repository",
    query: { repo: "example/repo" },
    receipts: true,
  },
  { path: "/dataset", priceMicro: 2_000_000n, description: "A licensed tabular dataset download" },
  {
    path: "/premium-report",
    priceMicro: 15_000_000n,
    description: "Analyst report priced above the default $10 per-transaction maximum",
  },
  {
    path: "/flaky",
    priceMicro: 50_000n,
    description:
      "Answers 500 about 10% of the time (?fail=1 forces it, ?fail=0 prevents it); failures are not charged",
  },
  { path: "/slow", priceMicro: 100_000n, description: "Answers after about 1.5 s (override with ?ms=)" },
  {
    path: "/busy",
    priceMicro: 20_000n,
    description:
      "Answers 503 before asking for payment on every 3rd unpaid request (?busy=1 forces it, ?busy=0 prevents it); the payer retries",
  },
] as const satisfies readonly DemoRoute[];

export type DemoRoutePath = (typeof DEMO_ROUTES)[number]["path"];

/**
 * The metered vendor: advertises the `upto` scheme (a Permit2 authorization of at most
 * maxUnits × unitPriceMicro) and settles only the units the request used (?units=, 1..maxUnits,
 * default defaultUnits) through the SDK's settlement override. The payer reserves the maximum and
 * keeps the rest.
 */
export const METERED_ROUTE = {
  path: "/metered",
  unitPriceMicro: 2_000n,
  maxUnits: 50,
  defaultUnits: 12,
  description: "Metered inference: $0.002 per unit used, at most 50 units ($0.10) per request",
} as const;

/** The metered route's maximum (what it asks the payer to authorize), in micro-USDC. */
export const METERED_MAX_MICRO = METERED_ROUTE.unitPriceMicro * BigInt(METERED_ROUTE.maxUnits);

/** The metered route as the discovery list describes it (its advertised maximum as the price). */
const METERED_DISCOVERY: DemoRoute = {
  path: METERED_ROUTE.path,
  priceMicro: METERED_MAX_MICRO,
  description: METERED_ROUTE.description,
  query: { units: String(METERED_ROUTE.defaultUnits) },
};

/** The units a /metered request uses: ?units= clamped to 1..maxUnits. */
export function meteredUnits(query: string | undefined): number {
  const n = Number(query);
  if (!Number.isInteger(n)) return METERED_ROUTE.defaultUnits;
  return Math.min(Math.max(n, 1), METERED_ROUTE.maxUnits);
}

export function demoRoute(path: DemoRoutePath): DemoRoute {
  const route = DEMO_ROUTES.find((r) => r.path === path);
  if (!route) throw new Error(`unknown demo route ${path}`);
  return route;
}

export interface StartDemoVendorsOptions {
  facilitatorUrl: string;
  chainId: number;
  usdcAddress: Address;
  payTo: Address;
  /** Defaults to a free port chosen by the OS. */
  port?: number;
  /** Share of /flaky requests that fail when the query does not decide. Default 0.1. */
  flakyFailureRate?: number;
  /** Seed for /flaky's RNG, so a run's failure pattern repeats. Default 402. */
  flakySeed?: number;
  /** /slow's delay. Default 1500 ms. */
  slowMs?: number;
  /** Signs the offer-receipt extension's offers and receipts. Default DEMO_RECEIPT_KEY. */
  receiptKey?: Hex;
  /** /busy answers 503 to every Nth unpaid request (counted per vendor server). Default 3; 0 never. */
  busyEvery?: number;
}

export interface DemoVendors {
  url: string;
  port: number;
  routes: (DemoRoute & { url: string })[];
  /** The metered (`upto`) route's URL. */
  meteredUrl: string;
  /** The routes as a facilitator's discovery list has them (Bazaar). */
  discovery: DiscoveryResource[];
  stop(): Promise<void>;
}

/** mulberry32: tiny, seedable, good enough to decide which request fails. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A route's Bazaar discovery declaration: how it is called (GET, its example query) and what it answers. */
function discoveryDeclaration(route: DemoRoute) {
  return declareDiscoveryExtension({
    input: route.query ?? {},
    inputSchema: {
      properties: Object.fromEntries(Object.keys(route.query ?? {}).map((k) => [k, { type: "string" }])),
    },
    output: { example: { ok: true } },
  });
}

/** What every demo route asks in its 402 (the middleware builds the same from the route config). */
function demoRequirements(route: DemoRoute, options: StartDemoVendorsOptions): PaymentRequirements {
  return {
    scheme: "exact",
    network: `eip155:${options.chainId}`,
    asset: options.usdcAddress,
    amount: route.priceMicro.toString(),
    payTo: options.payTo,
    maxTimeoutSeconds: 300,
    extra: { name: USDC_NAME, version: USDC_VERSION },
  };
}

/**
 * The demo routes as a discovery list's entries: each route's URL on `vendorUrl`, its 402's
 * payment option, description and Bazaar declaration (with the method the vendor's server adds).
 */
export function discoveryResources(vendorUrl: string, options: StartDemoVendorsOptions): DiscoveryResource[] {
  const lastUpdated = new Date().toISOString();
  const metered: [DemoRoute, PaymentRequirements] = [
    METERED_DISCOVERY,
    {
      ...demoRequirements(METERED_DISCOVERY, options),
      // `upto`: the amount is the maximum; the vendor charges what the request used.
      scheme: "upto",
      extra: { assetTransferMethod: "permit2" },
    },
  ];
  const routes = DEMO_ROUTES.map((route): [DemoRoute, PaymentRequirements] => [
    route,
    demoRequirements(route, options),
  ]);
  return [...routes, metered].map(([route, requirements]) => {
    const declared = discoveryDeclaration(route)[BAZAAR.key] as { info: { input: object } };
    return {
      resource: `${vendorUrl}${route.path}`,
      type: "http",
      x402Version: 2,
      accepts: [requirements],
      lastUpdated,
      description: route.description,
      mimeType: "application/json",
      serviceName: "x402 demo vendors",
      extensions: {
        [BAZAAR.key]: {
          ...declared,
          info: { ...declared.info, input: { ...declared.info.input, method: "GET" } },
        },
      },
    };
  });
}

export function createDemoVendorApp(options: StartDemoVendorsOptions): Hono {
  const network = `eip155:${options.chainId}` as const;
  const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: options.facilitatorUrl }))
    .register(network, new ExactEvmScheme())
    .register(network, new UptoEvmScheme());
  const receiptSigner = privateKeyToAccount(options.receiptKey ?? DEMO_RECEIPT_KEY);
  resourceServer.registerExtension(
    createOfferReceiptExtension(
      createEIP712OfferReceiptIssuer(`did:pkh:${network}:${receiptSigner.address}`, (typed) =>
        receiptSigner.signTypedData(typed as Parameters<typeof receiptSigner.signTypedData>[0]),
      ),
    ),
  );
  // Adds the route's method to its Bazaar declaration in the 402.
  resourceServer.registerExtension(bazaarResourceServerExtension);

  // The "$0.01" shorthand only resolves on networks the SDK knows; here the price names the
  // asset and its EIP-712 domain explicitly.
  const routesConfig: Record<string, RouteConfig> = {};
  for (const route of DEMO_ROUTES) {
    routesConfig[`GET ${route.path}`] = {
      accepts: {
        scheme: "exact",
        network,
        payTo: options.payTo,
        price: {
          amount: route.priceMicro.toString(),
          asset: options.usdcAddress,
          extra: { name: USDC_NAME, version: USDC_VERSION },
        },
      },
      description: route.description,
      mimeType: "application/json",
      extensions: {
        ...discoveryDeclaration(route),
        ...("paymentIdentifier" in route
          ? { [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension() }
          : {}),
        ...("receipts" in route
          ? { [OFFER_RECEIPT]: declareOfferReceiptExtension({ includeTxHash: true }) }
          : {}),
      },
    };
  }

  routesConfig[`GET ${METERED_ROUTE.path}`] = {
    accepts: {
      scheme: "upto",
      network,
      payTo: options.payTo,
      price: { amount: METERED_MAX_MICRO.toString(), asset: options.usdcAddress },
    },
    description: METERED_ROUTE.description,
    mimeType: "application/json",
    extensions: discoveryDeclaration(METERED_DISCOVERY),
  };

  const random = seededRandom(options.flakySeed ?? 402);
  const failureRate = options.flakyFailureRate ?? 0.1;
  const defaultSlowMs = options.slowMs ?? 1_500;

  const busyEvery = options.busyEvery ?? 3;
  let unpaidBusy = 0;

  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));
  // Before the payment middleware: the 503 comes instead of the 402, so nothing is signed.
  app.use("/busy", async (c, next) => {
    const paid = c.req.header("payment-signature") ?? c.req.header("x-payment");
    if (paid) return next();
    const forced = c.req.query("busy");
    unpaidBusy++;
    const busy =
      forced === "1" ? true : forced === "0" ? false : busyEvery > 0 && unpaidBusy % busyEvery === 0;
    if (busy) return c.json({ error: "overloaded", retryAfterSeconds: 0 }, 503, { "retry-after": "0" });
    return next();
  });
  app.use(paymentMiddleware(routesConfig, resourceServer));

  app.get("/search", (c) => {
    const q = c.req.query("q") ?? "x402";
    return c.json({
      query: q,
      results: [1, 2, 3].map((rank) => ({
        rank,
        title: `Result ${rank} for "${q}"`,
        url: `https://example.com/${rank}`,
      })),
    });
  });
  app.get("/code-scan", (c) =>
    c.json({
      repository: c.req.query("repo") ?? "example/repo",
      findings: [
        { severity: "high", rule: "hardcoded-secret", file: "config.ts", line: 12 },
        { severity: "low", rule: "unused-import", file: "index.ts", line: 3 },
      ],
    }),
  );
  app.get("/dataset", (c) =>
    c.json({
      name: "city-weather-2025",
      columns: ["city", "day", "temp_c"],
      rows: [
        ["Lisbon", "2025-01-01", 14.2],
        ["Oslo", "2025-01-01", -3.1],
      ],
    }),
  );
  app.get("/premium-report", (c) =>
    c.json({
      title: "Agent payments, quarterly outlook",
      pages: 48,
      summary: "Usage-based APIs keep growing.",
    }),
  );
  app.get("/flaky", (c) => {
    const forced = c.req.query("fail");
    const fail = forced === "1" ? true : forced === "0" ? false : random() < failureRate;
    if (fail) return c.json({ error: "upstream_unavailable" }, 500);
    return c.json({ ok: true, value: Math.floor(random() * 1000) });
  });
  app.get(METERED_ROUTE.path, (c) => {
    const units = meteredUnits(c.req.query("units"));
    const chargedMicro = METERED_ROUTE.unitPriceMicro * BigInt(units);
    // The middleware settles this amount (<= the signed maximum) after the handler answers.
    setSettlementOverrides(c, { amount: chargedMicro.toString() });
    return c.json({
      units,
      unitPriceMicro: METERED_ROUTE.unitPriceMicro.toString(),
      chargedMicro: chargedMicro.toString(),
    });
  });
  app.get("/busy", (c) => c.json({ ok: true, servedAfterBusy: true }));
  app.get("/slow", async (c) => {
    const requested = Number(c.req.query("ms"));
    const ms = Number.isFinite(requested) && requested >= 0 ? Math.min(requested, 30_000) : defaultSlowMs;
    await new Promise((r) => setTimeout(r, ms));
    return c.json({ ok: true, waitedMs: ms });
  });

  return app;
}

export async function startDemoVendors(options: StartDemoVendorsOptions): Promise<DemoVendors> {
  const app = createDemoVendorApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: options.port ?? 0 }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    routes: DEMO_ROUTES.map((r) => ({ ...r, url: `${url}${r.path}` })),
    meteredUrl: `${url}${METERED_ROUTE.path}`,
    discovery: discoveryResources(url, options),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      return stopping;
    },
  };
}
