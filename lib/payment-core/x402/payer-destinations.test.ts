import { Hono } from "hono";
import { Headers as UndiciHeaders, fetch as undiciFetch } from "undici";
import { beforeEach, describe, expect, it } from "vitest";
import { serveLocally } from "@/lib/testing/hostile-vendor";
import {
  AGENT,
  account,
  balances,
  config,
  key,
  localPayer,
  malicious,
  net,
  pay,
  payer,
  row,
  setupLocalTestbed,
  signatures,
  t,
} from "@/lib/testing/local-payer";
import { getVendorPolicy, setVendorPolicy } from "../agents/vendor-policy";
import { BudgetEngine } from "../budgets/engine";
import { getUsage } from "../budgets/usage";

/**
 * Where the payer may pay: per-agent vendor allowlists (hosts before any request, payees after
 * the 402) and the destinations it never reaches (loopback, the chain's RPC, the facilitator).
 */

setupLocalTestbed();

describe("vendor policy (per-agent allowlists)", () => {
  const OTHER_PAYEE = "0x1111111111111111111111111111111111111111";
  let vendorRequests = 0;
  let signedRequests = 0;
  /** Counts every request that leaves for a vendor, and those carrying a signature. */
  const counting: typeof undiciFetch = async (input, init) => {
    vendorRequests++;
    if (new UndiciHeaders(init?.headers).has("payment-signature")) signedRequests++;
    return undiciFetch(input, init);
  };
  const setPolicy = (hosts?: string[], payees?: string[]) =>
    setVendorPolicy(t.db, { agentId: AGENT, hosts, payees, actor: "test", reason: "policy test" });
  const reserved = async () => (await getUsage(t.db, config, AGENT)).daily.reservedMicro;
  /** After a refusal: nothing signed, no balance moved, nothing reserved, a rejected vendor_not_allowed row. */
  const expectNothingSignedOrHeld = async (
    before: Awaited<ReturnType<typeof balances>>,
    transactionId: string | null,
    rowAlso: Record<string, unknown> = {},
  ) => {
    expect(signatures).toBe(0);
    expect(await balances()).toEqual(before);
    expect(await reserved()).toBe(0n);
    expect(await row(transactionId)).toMatchObject({
      status: "rejected",
      error_code: "vendor_not_allowed",
      ...rowAlso,
    });
  };

  beforeEach(async () => {
    vendorRequests = 0;
    signedRequests = 0;
    await t.db.$client`UPDATE agents SET allowed_vendor_hosts = '{}', allowed_payees = '{}'`;
  });

  it("a host not on the list is refused before any request: a rejected row, nothing signed or sent", async () => {
    await setPolicy([new URL(malicious.url).host, "api.example.com"]);
    const before = await balances();
    const out = await pay(payer({ fetch: counting }));
    const host = new URL(net.vendorUrl).host;
    expect(out).toMatchObject({
      ok: false,
      code: "vendor_not_allowed",
      vendorPolicy: { host, allowedHosts: [new URL(malicious.url).host, "api.example.com"] },
    });
    if (out.ok) return;
    expect(out.message).toContain(host);
    expect(vendorRequests).toBe(0);
    await expectNothingSignedOrHeld(before, out.transactionId, { amount_micro: 0n, nonce: null });
  });

  it("a listed host pays: host:port exactly, or the host alone for any port, in any case", async () => {
    const { hostname, host } = new URL(net.vendorUrl);
    await setPolicy([host]);
    expect(await pay(payer({ fetch: counting }))).toMatchObject({ ok: true, paid: true });
    await setPolicy([hostname.toUpperCase()]);
    expect(await pay(payer({ fetch: counting }))).toMatchObject({ ok: true, paid: true });
    expect(signatures).toBe(2);
  });

  it("a payee not on the list is refused after the 402: nothing signed, nothing reserved", async () => {
    await setPolicy([new URL(net.vendorUrl).host], [OTHER_PAYEE]);
    const before = await balances();
    const out = await pay(payer({ fetch: counting }));
    expect(out).toMatchObject({
      ok: false,
      code: "vendor_not_allowed",
      vendorPolicy: { allowedPayees: [OTHER_PAYEE] },
    });
    if (out.ok) return;
    expect(out.vendorPolicy?.payee?.toLowerCase()).toBe(net.payee.toLowerCase());
    expect(vendorRequests).toBe(1);
    expect(signedRequests).toBe(0);
    await expectNothingSignedOrHeld(before, out.transactionId);

    // The vendor's own payee, in lower case, is allowed.
    await setPolicy(undefined, [OTHER_PAYEE, net.payee.toLowerCase()]);
    expect(await pay(payer())).toMatchObject({ ok: true, paid: true });
  });

  it("the same key after a vendor refusal replays the refusal; a paid key replays the payment", async () => {
    const p = payer({ fetch: counting });
    const paidKey = key();
    const paid = await pay(p, { idempotencyKey: paidKey });
    expect(paid).toMatchObject({ ok: true, paid: true });
    await setPolicy(["api.example.com"]);
    expect(await pay(p, { idempotencyKey: paidKey })).toMatchObject({ ok: true, paid: true, replayed: true });
    const refusedKey = key();
    const first = await pay(p, { idempotencyKey: refusedKey });
    const again = await pay(p, { idempotencyKey: refusedKey });
    expect(first).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    expect(again).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    if (!first.ok && !again.ok) expect(again.transactionId).toBe(first.transactionId);
    expect(signatures).toBe(1);
  });

  it("clearing the lists allows again, from the next payment", async () => {
    await setPolicy(["api.example.com"], [OTHER_PAYEE]);
    const p = payer();
    expect(await pay(p)).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    await setPolicy([], []);
    expect(await pay(p)).toMatchObject({ ok: true, paid: true });
  });

  it("each change is in the audit log with before and after", async () => {
    await setPolicy(["API.Example.com:8443", "api.example.com:8443"], [OTHER_PAYEE.toLowerCase()]);
    await setPolicy([]);
    const rows = await t.db.$client<{ actor: string; before: unknown; after: unknown; reason: string }[]>`
      SELECT actor, before, after, reason FROM audit_log
      WHERE action = 'agent.vendor_policy_set' AND target_id = ${AGENT} ORDER BY id DESC LIMIT 2`;
    expect(rows[1]).toMatchObject({
      actor: "test",
      reason: "policy test",
      before: { hosts: [], payees: [] },
      after: { hosts: ["api.example.com:8443"], payees: [OTHER_PAYEE] },
    });
    expect(rows[0]).toMatchObject({
      before: { hosts: ["api.example.com:8443"], payees: [OTHER_PAYEE] },
      after: { hosts: [], payees: [OTHER_PAYEE] },
    });
  });

  it.each([
    [["https://api.example.com"], [], "invalid_vendor_host"],
    [["api.example.com/path"], [], "invalid_vendor_host"],
    [["*.example.com"], [], "invalid_vendor_host"],
    [["api.example.com:70000"], [], "invalid_vendor_host"],
    [["user@api.example.com"], [], "invalid_vendor_host"],
    [["ok.example.com"], ["0x1234"], "invalid_payee"],
    [["ok.example.com"], ["vendor.eth"], "invalid_payee"],
  ])("bad input %j %j is %s and saves nothing", async (hosts, payees, code) => {
    await setPolicy(["kept.example.com"]);
    const audits = async () =>
      (
        await t.db.$client`SELECT count(*)::int AS n FROM audit_log WHERE action = 'agent.vendor_policy_set'`
      )[0]?.n;
    const auditsBefore = await audits();
    await expect(setPolicy(hosts, payees)).rejects.toMatchObject({ name: "InvalidInputError", code });
    expect(await getVendorPolicy(t.db, AGENT)).toEqual({ hosts: ["kept.example.com"], payees: [] });
    expect(await audits()).toBe(auditsBefore);
  });

  it("an unknown agent cannot get a policy", async () => {
    await expect(
      setVendorPolicy(t.db, { agentId: "no_such_agent", hosts: [], actor: "test" }),
    ).rejects.toMatchObject({ code: "unknown_agent" });
  });
});

describe("destinations (SSRF)", () => {
  const count = async () => (await t.db.$client`SELECT count(*)::int AS n FROM transactions`)[0]?.n;

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.1", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["[::1]", "loopback"],
    ["localhost", "loopback"],
    ["0.0.0.0", "unspecified"],
  ])("%s: destination_not_allowed, nothing recorded, nothing signed", async (host, reason) => {
    // The anvil RPC's port: every spelling of its address is refused (the vendor's port is listed,
    // and 127.1:<vendor port> is the same destination as 127.0.0.1:<vendor port>).
    const port = new URL(net.rpcUrl).port;
    const out = await pay(payer(), { url: `http://${host}:${port}/` });
    expect(out).toMatchObject({ ok: false, code: "destination_not_allowed", transactionId: null });
    if (!out.ok) expect(out.message).toContain(`${reason} address`);
    expect(signatures).toBe(0);
    expect(await count()).toBe(0);
  });

  it("the anvil RPC and the facilitator are refused, even with a JSON-RPC body", async () => {
    for (const url of [net.rpcUrl, `${net.facilitatorUrl}/supported`]) {
      const out = await pay(payer(), {
        url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
      });
      expect(out).toMatchObject({ ok: false, code: "destination_not_allowed" });
    }
    expect(await count()).toBe(0);
  });

  it("the listed vendor is reached; without the list, the same vendor is refused", async () => {
    expect(await pay(payer())).toMatchObject({ ok: true, paid: true });
    const engine = new BudgetEngine(t.db, { config: () => config });
    const strict = localPayer(net, { db: t.db, engine, account }, { allowedPrivateHosts: [] });
    expect(await pay(strict)).toMatchObject({ ok: false, code: "destination_not_allowed" });
  });

  it("a vendor that redirects to an internal address is not followed", async () => {
    const app = new Hono();
    app.get("/", (c) => c.redirect(`${net.rpcUrl}/`, 302));
    const server = await serveLocally(app);
    const url = server.url;
    try {
      const out = await pay(payer({ allow: [url] }), { url: `${url}/` });
      expect(out).toMatchObject({ ok: true, paid: false, response: { status: 302 } });
      expect(await count()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
