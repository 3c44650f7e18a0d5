import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findUnsafeCharacter } from "@/lib/payment-core/support/safe-text";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { discoveryEntry, fakeFacilitator } from "@/lib/testing/discovery";
import { MAX_RESOURCES_PER_VENDOR } from "./bounds";
import { syncVendorCatalog } from "./sync";

/**
 * The vendor-sync job against a hostile discovery list: entries out of their form skipped and
 * counted, text cleaned, a vendor's resources capped, a known vendor's new payTo alerted and not
 * pinned, an oversized or malformed page refused whole.
 */

const NETWORK = "eip155:31337";
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAYEE = "0x4444444444444444444444444444444444444444";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  return () => t.drop();
});
beforeEach(async () => {
  await t.db.$client.unsafe(
    "TRUNCATE vendors, vendor_resources, vendor_price_history, alerts, alert_deliveries CASCADE",
  );
});

const entry = (
  resource: unknown,
  over: Parameters<typeof discoveryEntry>[2] = {},
  extra: Record<string, unknown> = {},
) => discoveryEntry({ network: NETWORK, usdcAddress: USDC, payTo: PAYEE }, resource, over, extra);
const sync = (facilitatorUrl: string) =>
  syncVendorCatalog({ db: t.db, facilitatorUrl, network: NETWORK, usdcAddress: USDC });

async function vendorRow(host: string) {
  const [v] = await t.db.$client<
    {
      description: string | null;
      pay_to: string | null;
      accepted_pay_to: string | null;
      pay_to_accepted_by: string | null;
    }[]
  >`SELECT description, pay_to, accepted_pay_to, pay_to_accepted_by FROM vendors WHERE host = ${host}`;
  return v;
}

const resources = (host: string) =>
  t.db.$client<
    { url: string; scheme: string; advertised_micro: bigint | null; description: string | null }[]
  >`
    SELECT url, scheme, advertised_micro, description FROM vendor_resources WHERE host = ${host} ORDER BY url`;

const alerts = (kind: string) =>
  t.db.$client<{ severity: string; figures: Record<string, unknown> }[]>`
    SELECT severity::text AS severity, figures FROM alerts WHERE kind = ${kind} ORDER BY id`;

describe("a hostile discovery list", () => {
  it("keeps only entries in their form, cleans text and caps a vendor's resources", async () => {
    const other = "0x1111111111111111111111111111111111111111";
    const many = Array.from({ length: MAX_RESOURCES_PER_VENDOR + 50 }, (_, i) =>
      entry(`https://many.example/r${String(i).padStart(3, "0")}`),
    );
    const listed = await fakeFacilitator(() => [
      entry(
        "https://good.example/a?secret=1#frag",
        { payTo: other },
        {
          description: `A\u0000B\u001b[31m red \u202eevil\ud800 ${"x".repeat(5_000)}`,
          serviceName: "Good\nVendor",
        },
      ),
      entry("https://good.example/upto", { scheme: "upto", amount: "5000", payTo: other }),
      entry("https://good.example/base", {
        network: "eip155:8453",
        payTo: "0x2222222222222222222222222222222222222222",
      }),
      entry("javascript:alert(1)"),
      entry("https://user:pw@evil.example/x"),
      entry(`https://evil.example/${"a".repeat(5_000)}`),
      entry("https://evil.example/neg", { amount: "-1" }),
      entry("https://evil.example/exp", { amount: "1e30" }),
      entry("https://evil.example/frac", { amount: "12.5" }),
      entry("https://evil.example/huge", { amount: "99999999999999999999" }),
      entry("https://evil.example/scheme", { scheme: "permit" }),
      entry("https://evil.example/payto", { payTo: "vendor.eth" }),
      entry("https://evil.example/method", { method: "TRACE" }),
      42,
      null,
      "a string",
      [1, 2],
      ...many,
    ]);
    try {
      const report = await sync(listed.url);
      expect(report.skipped).toEqual({
        not_an_object: 4,
        bad_resource: 3,
        no_usable_option: 6,
        bad_method: 1,
        vendor_cap: 0,
        resource_cap: 50,
        failed: 0,
      });
      expect(report.recorded).toBe(3 + MAX_RESOURCES_PER_VENDOR);
      expect(report.pages).toBe(3);
    } finally {
      await listed.stop();
    }
    expect(await vendorRow("evil.example")).toBeUndefined();
    expect(await resources("many.example")).toHaveLength(MAX_RESOURCES_PER_VENDOR);
    const good = await resources("good.example");
    expect(good.map((r) => [r.url, r.scheme, r.advertised_micro])).toEqual([
      ["https://good.example/a", "exact", 1000n],
      ["https://good.example/base", "exact", 1000n],
      ["https://good.example/upto", "upto", 5000n],
    ]);
    const description = good[0]?.description ?? "";
    expect(description.startsWith("A B [31m red evil x")).toBe(true);
    expect(description.length).toBeLessThanOrEqual(300);
    expect(findUnsafeCharacter(description, { refuseReplacement: true })).toBeNull();
    expect(description).not.toContain("\u202e");
    // The vendor is pinned to its payTo on the payer's network (not Base's).
    expect(await vendorRow("good.example")).toMatchObject({
      description: "Good Vendor",
      accepted_pay_to: other,
      pay_to_accepted_by: "first_seen:discovery",
    });
  });

  it("a known vendor listed with another payTo raises vendor_payto_changed and keeps its pin", async () => {
    const first = "0x1111111111111111111111111111111111111111";
    const second = "0x3333333333333333333333333333333333333333";
    let payTo = first;
    const listed = await fakeFacilitator(() => [
      entry("https://moved.example/a", { payTo }),
      entry("https://moved.example/b", { payTo }),
    ]);
    try {
      expect((await sync(listed.url)).alerts).toBe(0);
      payTo = second;
      expect((await sync(listed.url)).alerts).toBe(1);
      expect((await sync(listed.url)).alerts).toBe(0);
    } finally {
      await listed.stop();
    }
    expect(await vendorRow("moved.example")).toMatchObject({ pay_to: second, accepted_pay_to: first });
    expect(await alerts("vendor_payto_changed")).toMatchObject([
      {
        severity: "critical",
        figures: { host: "moved.example", knownPayTo: first, askedPayTo: second, source: "discovery" },
      },
    ]);
  });

  it("a page over the byte cap, or not JSON, fails the sync and writes nothing", async () => {
    for (const body of ["x".repeat(2 * 1024 * 1024 + 1), "{not json", JSON.stringify({ items: "no" })]) {
      const listed = await fakeFacilitator(() => body);
      try {
        await expect(sync(listed.url)).rejects.toMatchObject({ code: "vendor_sync_failed" });
      } finally {
        await listed.stop();
      }
    }
    const [count] = await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM vendors`;
    expect(count?.n).toBe(0);
  });
});
