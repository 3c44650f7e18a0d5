import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { declareDiscoveryExtension } from "@x402/extensions/bazaar";
import { describe, expect, it, vi } from "vitest";
import { DiscoveryCatalog } from "./discovery";

const requirements: PaymentRequirements = {
  scheme: "exact",
  network: "eip155:31337",
  asset: "0x0000000000000000000000000000000000000001",
  amount: "10000",
  payTo: "0x0000000000000000000000000000000000000002",
  maxTimeoutSeconds: 300,
  extra: {},
};

function paid(url: string, extensions: Record<string, unknown> | undefined): PaymentPayload {
  return {
    x402Version: 2,
    resource: { url, description: "", mimeType: "application/json" },
    accepted: requirements,
    payload: {},
    ...(extensions ? { extensions } : {}),
  } as PaymentPayload;
}

type Declared = Record<string, { info: { input: Record<string, unknown> } }>;

/** A route's declaration as a client echoes it: with the method its vendor's server added. */
function declaration(key: string): Declared {
  const declared = declareDiscoveryExtension({
    input: { [key]: "x" },
    inputSchema: { properties: { [key]: { type: "string" } } },
    output: { example: { ok: true } },
  }) as Declared;
  return Object.fromEntries(
    Object.entries(declared).map(([k, v]) => [
      k,
      { ...v, info: { ...v.info, input: { ...v.info.input, method: "GET" } } },
    ]),
  );
}

describe("the local facilitator's catalog of paid resources", () => {
  it("checks a declaration once: the same one again is catalogued without a second check", () => {
    const catalog = new DiscoveryCatalog();
    expect(catalog.fromPayment(paid("http://v/a", declaration("q")), requirements)).toBe(true);
    expect(catalog.fromPayment(paid("http://v/b", declaration("q")), requirements)).toBe(true);
    expect(catalog.checked).toBe(1);
    expect(catalog.fromPayment(paid("http://v/c", declaration("other")), requirements)).toBe(true);
    expect(catalog.checked).toBe(2);
    expect(
      catalog
        .list({})
        .items.map((r) => r.resource)
        .sort(),
    ).toEqual(["http://v/a", "http://v/b", "http://v/c"]);
  });

  it("an invalid declaration is refused every time, never remembered", () => {
    const catalog = new DiscoveryCatalog();
    const valid = declaration("q");
    const key = Object.keys(valid)[0] as string;
    // The info no longer matches its own schema: the input's query must be an object.
    const broken = {
      [key]: {
        ...valid[key],
        info: { ...valid[key]?.info, input: { type: "http", method: "GET", queryParams: 7 } },
      },
    };
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (let i = 0; i < 3; i++) {
      expect(catalog.fromPayment(paid("http://v/bad", broken), requirements)).toBe(false);
    }
    expect(catalog.checked).toBe(3);
    // The SDK's own check said why, each time.
    expect(warned.mock.calls.map((c) => String(c[0]))).toEqual(
      Array(3).fill("V2 discovery extension validation failed: /input/queryParams: must be object"),
    );
    warned.mockRestore();
    expect(catalog.size).toBe(0);
    expect(catalog.fromPayment(paid("http://v/none", undefined), requirements)).toBe(false);
  });
});
