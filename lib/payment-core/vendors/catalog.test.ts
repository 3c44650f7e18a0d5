import { HTTPFacilitatorClient } from "@x402/core/server";
import { withBazaar } from "@x402/extensions/bazaar";
import { beforeEach, describe, expect, it } from "vitest";
import { discoveryEntry, fakeFacilitator } from "@/lib/testing/discovery";
import {
  AGENT,
  balances,
  key,
  net,
  payer,
  row,
  setupLocalTestbed,
  signatures,
  t,
  usage,
} from "@/lib/testing/local-payer";
import { DEMO_ROUTES, METERED_MAX_MICRO, METERED_ROUTE, startDemoVendors } from "@/scripts/localnet";
import { defaultBudgetConfig } from "../budgets/config";
import { buildJobs, runJob, summarizeRun } from "../jobs";
import { acceptVendorPayTo } from "./accept";
import { createVendorCatalogHook } from "./payer-hook";
import { pinFirstPayTo } from "./store";
import { syncVendorCatalog } from "./sync";

/**
 * The vendor catalog against the real local network: the facilitator's discovery list (Bazaar)
 * synced into it, the payer recording every 402 it reads, a vendor that changes its payTo between
 * two payments refused before anything is signed (a hostile discovery list: discovery-hostile.test.ts).
 */

setupLocalTestbed();

beforeEach(async () => {
  await t.db.$client.unsafe(
    "TRUNCATE vendors, vendor_resources, vendor_price_history, alerts, alert_deliveries CASCADE",
  );
});

const sync = (facilitatorUrl = net.facilitatorUrl) =>
  syncVendorCatalog({ db: t.db, facilitatorUrl, network: net.network, usdcAddress: net.usdcAddress });

const hook = () =>
  createVendorCatalogHook({ db: t.db, network: net.network, usdcAddress: net.usdcAddress, throttleMs: 0 });

async function vendorRow(host: string) {
  const [v] = await t.db.$client<
    {
      source: string;
      description: string | null;
      pay_to: string | null;
      accepted_pay_to: string | null;
      pay_to_accepted_by: string | null;
      last_discovered_at: string | null;
      last_402_at: string | null;
    }[]
  >`SELECT source::text AS source, description, pay_to, accepted_pay_to, pay_to_accepted_by, last_discovered_at,
      last_402_at FROM vendors WHERE host = ${host}`;
  return v;
}

const resources = (host: string) =>
  t.db.$client<
    {
      url: string;
      method: string;
      scheme: string;
      advertised_micro: bigint | null;
      asked_micro: bigint | null;
      pay_to: string;
      description: string | null;
    }[]
  >`SELECT url, method, scheme, advertised_micro, asked_micro, pay_to, description
    FROM vendor_resources WHERE host = ${host} ORDER BY url`;

const history = (host: string) =>
  t.db.$client<
    { url: string; source: string; amount_micro: bigint; pay_to: string; agent_id: string | null }[]
  >`
    SELECT url, source::text AS source, amount_micro, pay_to, agent_id FROM vendor_price_history
    WHERE host = ${host} ORDER BY id`;

const alerts = (kind: string) =>
  t.db.$client<{ severity: string; figures: Record<string, unknown>; resolved_at: string | null }[]>`
    SELECT severity::text AS severity, figures, resolved_at FROM alerts WHERE kind = ${kind} ORDER BY id`;

/** The demo routes, and the metered one (`upto`, advertised at its maximum). */
const LISTED = [
  ...DEMO_ROUTES.map((r) => ({ path: r.path, scheme: "exact", micro: r.priceMicro })),
  { path: METERED_ROUTE.path, scheme: "upto", micro: METERED_MAX_MICRO },
];

describe("the facilitator's discovery list", () => {
  it("lists the demo vendors' routes, as the SDK's Bazaar client reads them", async () => {
    const client = withBazaar(new HTTPFacilitatorClient({ url: net.facilitatorUrl }));
    const page = await client.extensions.bazaar.listResources({ type: "http", limit: 3 });
    expect(page.pagination).toEqual({ limit: 3, offset: 0, total: LISTED.length });
    expect(page.items[0]).toMatchObject({
      resource: `${net.vendorUrl}/search`,
      type: "http",
      accepts: [{ scheme: "exact", amount: "10000", payTo: net.payee, asset: net.usdcAddress }],
      extensions: { bazaar: { info: { input: { type: "http", method: "GET" } } } },
    });
  });

  it("a sync writes every route with its advertised price and pins the vendor's payTo; a second changes nothing", async () => {
    const host = new URL(net.vendorUrl).host;
    const first = await sync();
    expect(first).toMatchObject({
      listed: LISTED.length,
      recorded: LISTED.length,
      newVendors: 1,
      changed: LISTED.length,
      alerts: 0,
      truncated: false,
    });
    expect(await vendorRow(host)).toMatchObject({
      source: "discovery",
      description: "x402 demo vendors",
      pay_to: net.payee,
      accepted_pay_to: net.payee,
      pay_to_accepted_by: "first_seen:discovery",
      last_402_at: null,
    });
    const rows = await resources(host);
    expect(
      rows.map((r) => [r.url.replace(net.vendorUrl, ""), r.method, r.scheme, r.advertised_micro]),
    ).toEqual(
      LISTED.map((r) => [r.path, "GET", r.scheme, r.micro]).sort((a, b) =>
        String(a[0]).localeCompare(String(b[0])),
      ),
    );
    expect(rows.find((r) => r.url.endsWith("/search"))?.description).toBe(
      "Web search: ranked results for a query",
    );
    const second = await sync();
    expect(second).toMatchObject({ recorded: LISTED.length, newVendors: 0, changed: 0, alerts: 0 });
    expect(await history(host)).toHaveLength(LISTED.length);
  });

  it("the vendor-sync job runs the sync (and says how to configure it when it cannot)", async () => {
    const base = {
      budget: defaultBudgetConfig(),
      ledgerSyncPath: "unused.jsonl",
      reconcile: { unavailable: "no chain" },
      settle: { unavailable: "no chain" },
      settleIntervalSeconds: 60,
    };
    expect(buildJobs(base)["vendor-sync"].unavailable).toMatch(/X402_FACILITATOR_URL/);
    const job = buildJobs({
      ...base,
      vendorSync: { facilitatorUrl: net.facilitatorUrl, network: net.network, usdcAddress: net.usdcAddress },
    })["vendor-sync"];
    const run = await runJob(t.db, job, { actor: "test", trigger: "console" });
    expect(run).toMatchObject({ status: "succeeded", output: { listed: LISTED.length, newVendors: 1 } });
    expect(summarizeRun("vendor-sync", run.output)).toBe(
      `${LISTED.length} of ${LISTED.length} listed resources recorded, 1 new vendors, ${LISTED.length} price changes, 0 alerts`,
    );
  });

  it("an unreachable facilitator fails the sync with vendor_sync_failed, naming no credentials", async () => {
    const gone = "http://user:secret@127.0.0.1:1/x?token=abc";
    await expect(sync(gone)).rejects.toMatchObject({
      code: "vendor_sync_failed",
      details: { facilitatorUrl: "http://127.0.0.1:1/x" },
    });
  });
});

describe("the payer's 402s", () => {
  it("a 402 the payer reads updates the catalog (off the payment's path), as advertised: no alert", async () => {
    const host = new URL(net.vendorUrl).host;
    await sync();
    const catalog = hook();
    const out = await payer({ catalog }).payForService({
      agentId: AGENT,
      url: `${net.vendorUrl}/search?q=catalog`,
      idempotencyKey: key(),
    });
    expect(out).toMatchObject({ ok: true, paid: true });
    await catalog.idle();
    const search = (await resources(host)).find((r) => r.url === `${net.vendorUrl}/search`);
    expect(search).toMatchObject({ advertised_micro: 10_000n, asked_micro: 10_000n, pay_to: net.payee });
    expect((await vendorRow(host))?.last_402_at).toEqual(expect.any(String));
    expect((await history(host)).filter((h) => h.source === "402")).toEqual([
      {
        url: `${net.vendorUrl}/search`,
        source: "402",
        amount_micro: 10_000n,
        pay_to: net.payee,
        agent_id: AGENT,
      },
    ]);
    expect(await alerts("price_above_advertised")).toEqual([]);
  });

  it("a vendor first seen through a 402 is added and pinned to that payTo", async () => {
    const host = new URL(net.vendorUrl).host;
    const catalog = hook();
    expect(
      await payer({ catalog }).payForService({
        agentId: AGENT,
        url: `${net.vendorUrl}/search`,
        idempotencyKey: key(),
      }),
    ).toMatchObject({ ok: true });
    await catalog.idle();
    expect(await vendorRow(host)).toMatchObject({
      source: "402",
      accepted_pay_to: net.payee,
      pay_to_accepted_by: "first_seen:402",
    });
  });

  it("a 402 asking more than the advertised price raises price_above_advertised (once)", async () => {
    // A discovery list that advertises /code-scan below what the vendor asks (250000).
    const listed = await fakeFacilitator(() => [
      discoveryEntry(
        { network: net.network, usdcAddress: net.usdcAddress, payTo: net.payee },
        `${net.vendorUrl}/code-scan`,
        { amount: "100000" },
      ),
    ]);
    try {
      await sync(listed.url);
    } finally {
      await listed.stop();
    }
    const catalog = hook();
    const p = payer({ catalog });
    for (let i = 0; i < 2; i++) {
      expect(
        await p.payForService({ agentId: AGENT, url: `${net.vendorUrl}/code-scan`, idempotencyKey: key() }),
      ).toMatchObject({ ok: true });
    }
    await catalog.idle();
    const raised = await alerts("price_above_advertised");
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      severity: "warning",
      figures: { askedMicro: "250000", advertisedMicro: "100000", agentId: AGENT, method: "GET" },
    });
  });

  it("two first sights at once with two addresses agree on one pin", async () => {
    const at = new Date();
    const [a, b] = await Promise.all([
      pinFirstPayTo(t.db, { host: "race.example", payTo: net.payee, source: "402", at }),
      pinFirstPayTo(t.db, {
        host: "race.example",
        payTo: net.owners[1],
        source: "402",
        at: new Date(at.getTime() + 1),
      }),
    ]);
    expect(a.acceptedPayTo).toBe(b.acceptedPayTo);
    expect([a.pinnedNow, b.pinnedNow].filter(Boolean)).toHaveLength(1);
  });
});

describe("a vendor that changes its payTo between two payments (the redirect attack)", () => {
  it("the second payment is refused before anything is reserved or signed; a person's acceptance lets it pay", async () => {
    const attacker = net.owners[1];
    const options = {
      facilitatorUrl: net.facilitatorUrl,
      chainId: net.chainId,
      usdcAddress: net.usdcAddress,
      busyEvery: 0,
    };
    const honest = await startDemoVendors({ ...options, payTo: net.payee });
    const url = `${honest.url}/search`;
    const host = new URL(honest.url).host;
    const catalog = hook();
    const p = payer({ catalog, allow: [honest.url] });
    let takenOver: Awaited<ReturnType<typeof startDemoVendors>> | undefined;
    try {
      expect(await p.payForService({ agentId: AGENT, url, idempotencyKey: key() })).toMatchObject({
        ok: true,
        paid: true,
      });
      expect((await vendorRow(host))?.accepted_pay_to).toBe(net.payee);

      // The same host now asks to be paid elsewhere (its server was replaced).
      await honest.stop();
      takenOver = await startDemoVendors({ ...options, payTo: attacker, port: honest.port });
      const before = { ...(await balances()), attacker: await net.usdc.balanceOf(attacker) };
      const signed = signatures;
      const usedBefore = await usage();
      const out = await p.payForService({ agentId: AGENT, url, idempotencyKey: key() });
      expect(out).toMatchObject({
        ok: false,
        code: "vendor_payto_changed",
        vendorPayTo: { host, knownPayTo: net.payee, askedPayTo: attacker },
      });
      expect(signatures).toBe(signed);
      expect({ ...(await balances()), attacker: await net.usdc.balanceOf(attacker) }).toEqual(before);
      expect(await usage()).toEqual(usedBefore);
      if (out.ok) return;
      expect(await row(out.transactionId)).toMatchObject({
        status: "rejected",
        error_code: "vendor_payto_changed",
        payee: attacker,
      });
      const [alert] = await alerts("vendor_payto_changed");
      expect(alert).toMatchObject({
        severity: "critical",
        resolved_at: null,
        figures: { host, knownPayTo: net.payee, askedPayTo: attacker, source: "402", agentId: AGENT },
      });
      const [queued] = await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM alert_deliveries`;
      expect(queued?.n).toBeGreaterThan(0);
      // Refused again on the next try: the pin holds until a person accepts.
      expect(await p.payForService({ agentId: AGENT, url, idempotencyKey: key() })).toMatchObject({
        code: "vendor_payto_changed",
      });
      expect(await alerts("vendor_payto_changed")).toHaveLength(1);

      const accepted = await acceptVendorPayTo(t.db, {
        host,
        payTo: attacker.toLowerCase(),
        actor: "operator@example.com",
        reason: "confirmed by phone",
      });
      expect(accepted).toMatchObject({
        changed: true,
        previous: net.payee,
        payTo: attacker,
        alertsResolved: 1,
      });
      expect((await alerts("vendor_payto_changed"))[0]?.resolved_at).toEqual(expect.any(String));
      const [audit] = await t.db.$client<{ actor: string; target_id: string; after: unknown }[]>`
        SELECT actor, target_id, after FROM audit_log WHERE action = 'vendor.payto_accepted'`;
      expect(audit).toMatchObject({ actor: "operator@example.com", target_id: host });
      const paid = await p.payForService({ agentId: AGENT, url, idempotencyKey: key() });
      expect(paid).toMatchObject({ ok: true, paid: true });
      expect((await net.usdc.balanceOf(attacker)) - before.attacker).toBe(10_000n);
    } finally {
      await catalog.idle();
      await Promise.all([honest.stop(), takenOver?.stop()]);
    }
  });

  it("accepting a vendor the catalog does not hold is vendor_not_found", async () => {
    await expect(
      acceptVendorPayTo(t.db, { host: "nobody.example", payTo: net.payee, actor: "op@example.com" }),
    ).rejects.toMatchObject({ code: "vendor_not_found" });
  });
});
