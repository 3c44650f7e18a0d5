import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { isApiRoute } from "@/lib/http/route";
import { addUser, type User } from "@/lib/payment-core/access/users";
import { addAgent } from "@/lib/payment-core/agents/store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { HOSTILE_TEXT, rowCounts } from "@/lib/testing/hostile-text";

/**
 * Issue 25: hostile bytes never give a 500. A table of hostile strings (NUL, other C0 controls,
 * ESC, DEL, lone surrogates) is sent to every route under app/api, every server action, every
 * record page's dynamic segment, found from the file system so a new one without an entry fails
 * here. Each refusal is a 400 (or `{ ok: false, code }`, or a 404 page) naming the field, and the
 * database is as it was (every table's row count). DEL is refused like the C0 controls
 * (lib/payment-core/support/safe-text.ts). The CLI's arguments and the JSONL import have their own table
 * (lib/cli/safe-arguments.test.ts).
 *
 * As in the tokens page's test, the one thing not real is the session cookie: next-auth's
 * getServerSession returns the signed-in user's id, read from the database as in production.
 */

let sessionUserId: string | null = null;
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => (sessionUserId ? { user: { id: sessionUserId } } : null),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const APP = path.dirname(fileURLToPath(import.meta.url));

let t: TestDatabase;
let admin: User;
let agentKey: string;

/**
 * Every table's row count: what "nothing saved" means. Not rate_limits: a request counts against
 * its caller's rate limit before its body is read, refused or not (as it should).
 */
beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  admin = (
    await addUser(t.db, {
      email: "admin@hostile.test",
      role: "admin",
      password: "a-test-password-1",
      actor: "test",
    })
  ).user;
  agentKey = (await addAgent(t.db, { id: "hostile_agent", actor: "test" })).apiKey;
  sessionUserId = admin.id;
});
afterAll(async () => {
  const { appDb } = await import("@/lib/server/db");
  await closeDb(appDb());
  await t.drop();
});

/** Files named `name` under `dir`, as paths relative to app/ (`api/console/agents/route.ts`). */
function filesNamed(dir: string, name: string): string[] {
  return (readdirSync(path.join(APP, dir), { recursive: true }) as string[])
    .filter((f) => path.basename(f) === name)
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Route handlers

type Handler = (request: Request, context?: unknown) => Promise<Response>;
interface Probe {
  /** The field the refusal must name. */
  field: string;
  code: string;
  request: (hostile: string) => Request;
  method?: "GET" | "POST";
  /** A query parameter: a URL cannot hold a lone surrogate, only its bytes (%ED%A0%80). */
  query?: string;
}

const base = "http://console.test";
const get = (pathAndQuery: string) => new Request(`${base}${pathAndQuery}`);
const query = (route: string, field: string): Probe => ({
  field,
  code: "invalid_filter",
  query: route,
  request: (s) => get(`/${route}?${new URLSearchParams({ [field]: `a${s}` })}`),
});
const payment = (field: string, body: (s: string) => Record<string, unknown>): Probe => ({
  field,
  code: "invalid_request",
  method: "POST",
  request: (s) =>
    new Request(`${base}/api/v1/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${agentKey}` },
      body: JSON.stringify({ url: "https://vendor.example/x", idempotencyKey: "k-1", ...body(s) }),
    }),
});

/**
 * Each route and the text it reads. A route that reads no text says why; it is still sent a
 * hostile query string and must not answer 500. next-auth's route cannot run outside a request
 * (it reads next/headers): the text it reads, the sign-in address, is refused by
 * signInWithPassword (below).
 */
const ROUTES: Record<string, Probe[] | { noText: string }> = {
  "api/auth/[...nextauth]/route.ts": { noText: "next-auth; its email is checked by signInWithPassword" },
  "api/console/agents/route.ts": [query("api/console/agents", "agent")],
  "api/console/kill-switch/route.ts": { noText: "reads nothing from the request" },
  "api/console/ledger/route.ts": ["agent", "vendor", "q"].map((f) => query("api/console/ledger", f)),
  "api/console/ledger/export/route.ts": ["agent", "vendor", "q"].map((f) =>
    query("api/console/ledger/export", f),
  ),
  "api/console/overview/route.ts": { noText: "reads nothing from the request" },
  "api/cron/alerts-deliver/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/alerts-digest/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/alerts/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/budget-audit/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/payment-approvals/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/rollups/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/ledger-sync/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/reconcile/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/settle/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/weekly-report/route.ts": { noText: "reads only the bearer secret" },
  "api/cron/vendor-sync/route.ts": { noText: "reads only the bearer secret" },
  "api/health/route.ts": { noText: "reads nothing from the request" },
  "api/mcp/route.ts": {
    noText:
      "GET is 405 before anything is read; POST's tool arguments are the payment API's fields, refused by payFromJson (lib/mcp/mcp.test.ts)",
  },
  "api/metrics/route.ts": { noText: "reads only the bearer token" },
  "api/v1/payments/route.ts": [
    payment("url", (s) => ({ url: `https://vendor.example/a${s}` })),
    payment("idempotencyKey", (s) => ({ idempotencyKey: `k${s}` })),
    payment("vendor", (s) => ({ vendor: `v${s}` })),
    payment("headers.x-trace", (s) => ({ headers: { "x-trace": `t${s}` } })),
    payment("body", (s) => ({ method: "POST", body: `{"q":"${s}"}` })),
  ],
  "api/v1/payment-approvals/[id]/route.ts": {
    noText: "reads the bearer token and an id that must match pa_ and 24 hex digits, else 404",
  },
  "api/v1/wallet/balance/route.ts": { noText: "reads only the bearer token" },
};

async function routeModule(file: string): Promise<Record<string, unknown>> {
  return import(/* @vite-ignore */ path.join(APP, file));
}

describe("route handlers: hostile text", () => {
  const files = filesNamed("api", "route.ts");

  it("every route under app/api has an entry in this table (and no entry is stale)", () => {
    expect(files).toEqual(Object.keys(ROUTES).sort());
  });

  it("every route's handlers go through apiRoute (an unexpected error answers JSON)", async () => {
    for (const file of files) {
      const mod = await routeModule(file);
      const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => m in mod);
      expect(methods.length, file).toBeGreaterThan(0);
      for (const m of methods) expect(isApiRoute(mod[m]), `${file} ${m}`).toBe(true);
    }
  });

  for (const [file, entry] of Object.entries(ROUTES)) {
    if (!Array.isArray(entry)) {
      if (file.includes("nextauth")) continue;
      it(`${file} (${entry.noText}): a hostile query string is not a 500, nothing saved`, async () => {
        const handler = (await routeModule(file)).GET as Handler;
        for (const [, s] of HOSTILE_TEXT) {
          const before = await rowCounts(t.db, ["rate_limits"]);
          const res = await handler(get(`/x?${new URLSearchParams({ q: s, [`k${s}`]: "v" })}`));
          expect(res.status).not.toBe(500);
          expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
        }
      });
      continue;
    }
    for (const probe of entry) {
      for (const [name, s] of HOSTILE_TEXT) {
        if (probe.query && /[\ud800-\udfff]/.test(s)) {
          // URLSearchParams would write it as U+FFFD. The bytes a client can send are refused by
          // proxy.ts's check (under `next start`, Next has already made them U+FFFD, which is text).
          it(`${file}: ${probe.field} with a ${name}'s bytes is 400 invalid_request naming it (proxy.ts)`, async () => {
            const { malformedPercentEncoding } = await import("@/lib/http/percent-encoding");
            const at = s.search(/[\ud800-\udfff]/);
            const surrogate = s.charCodeAt(at) >= 0xdc00 ? "%ED%B0%80" : "%ED%A0%80";
            const value = `${encodeURIComponent(s.slice(0, at))}${surrogate}${encodeURIComponent(s.slice(at + 1))}`;
            const url = new URL(`${base}/${probe.query}?${probe.field}=a${value}`);
            expect(malformedPercentEncoding(url)).toMatchObject({ field: probe.field });
          });
          continue;
        }
        it(`${file}: ${probe.field} with a ${name} is 400 ${probe.code} naming it, nothing saved`, async () => {
          const handler = (await routeModule(file))[probe.method ?? "GET"] as Handler;
          const before = await rowCounts(t.db, ["rate_limits"]);
          const res = await handler(probe.request(s));
          expect(res.status).toBe(400);
          const json = await res.json();
          expect(json.error).toMatchObject({ code: probe.code, field: probe.field });
          expect(json.error.message).toMatch(/must not contain a (control character|lone surrogate) \(U\+/);
          expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
        });
      }
    }
  }

  it("POST /api/v1/payments: bytes that are not UTF-8 (0xE0 0xA4) are 400 invalid_request, nothing saved", async () => {
    const { POST } = (await routeModule("api/v1/payments/route.ts")) as { POST: Handler };
    const before = await rowCounts(t.db, ["rate_limits"]);
    const prefix = Buffer.from('{"url":"https://vendor.example/x","idempotencyKey":"k-utf8","vendor":"a');
    const body = Buffer.concat([prefix, Buffer.from([0xe0, 0xa4]), Buffer.from('b"}')]);
    const res = await POST(
      new Request(`${base}/api/v1/payments`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${agentKey}` },
        body,
      }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("not UTF-8") },
    });
    expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
  });

  it("query parameters: bytes that are not UTF-8 (%FF, as the route gets them: U+FFFD) are 400 naming them", async () => {
    const probes = Object.entries(ROUTES).flatMap(([file, entry]) =>
      Array.isArray(entry) ? entry.filter((p) => p.query).map((p) => [file, p] as const) : [],
    );
    expect(probes.length).toBeGreaterThan(0);
    for (const [file, probe] of probes) {
      const handler = (await routeModule(file)).GET as Handler;
      const before = await rowCounts(t.db, ["rate_limits"]);
      const res = await handler(get(`/${probe.query}?${probe.field}=a%FF`));
      expect(res.status, `${file} ${probe.field}`).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: probe.code, field: probe.field });
      expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
    }
  });

  it("an unexpected error in a route answers 500 JSON internal_error", async () => {
    const { apiRoute } = await import("@/lib/http/route");
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await apiRoute(async () => {
      throw new Error("boom");
    })();
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toMatchObject({ error: { code: "internal_error" } });
  });

  it("sign-in (next-auth's route, x402 login): a hostile address is a wrong one, nothing saved", async () => {
    const { createSignInThrottle, signInWithPassword } = await import("@/lib/payment-core/access/sign-in");
    const { parseEnv } = await import("@/lib/env");
    const throttle = createSignInThrottle(t.db, parseEnv(process.env).signIn);
    for (const [, s] of HOSTILE_TEXT) {
      const before = await rowCounts(t.db, ["rate_limits"]);
      const result = await signInWithPassword(t.db, throttle, {
        email: `admin${s}@hostile.test`,
        password: "a-test-password-1",
        ip: "203.0.113.9",
      });
      expect(result).toEqual({ ok: false, code: "invalid_credentials" });
      expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed percent-encoding (proxy.ts)

describe("proxy: percent-encoding that is not UTF-8", () => {
  it("is 400 invalid_request naming the path or the parameter", async () => {
    const { malformedPercentEncoding } = await import("@/lib/http/percent-encoding");
    expect(malformedPercentEncoding(new URL(`${base}/ledger/%E0%A4%A`))).toMatchObject({ field: "path" });
    expect(malformedPercentEncoding(new URL(`${base}/agents/%ED%A0%80`))).toMatchObject({ field: "path" });
    expect(malformedPercentEncoding(new URL(`${base}/api/console/ledger?agent=%FF`))).toMatchObject({
      field: "agent",
    });
    expect(malformedPercentEncoding(new URL(`${base}/api/x?%FF=1`))).toMatchObject({ field: "query" });
    expect(malformedPercentEncoding(new URL(`${base}/ledger/tx%20one?q=caf%C3%A9+x`))).toBeNull();
    expect(malformedPercentEncoding(new URL(`${base}/ledger/%F0%9F%98%80`))).toBeNull();
  });

  it("proxy.ts answers it with the JSON error before any page or route", async () => {
    const { NextRequest } = await import("next/server");
    const { proxy } = await import("@/proxy");
    const res = await proxy(new NextRequest(`${base}/ledger/%E0%A4%A`), {} as never);
    expect(res?.status).toBe(400);
    expect(await res?.json()).toMatchObject({ error: { code: "invalid_request", field: "path" } });
  });
});

// ---------------------------------------------------------------------------------------------
// Server actions

/** A plausible input for each action; each text field in turn, and an extra one, is made hostile. */
const ACTIONS: Record<string, Record<string, Record<string, unknown>>> = {
  "(console)/agents/actions.ts": {
    changeAgentStatus: { agentId: "hostile_agent", status: "paused", reason: "because" },
    saveLimits: { agentId: "hostile_agent", dailyLimit: "10", perTransactionMax: "1" },
    requestMonthlyChange: { agentId: "hostile_agent", monthlyLimit: "500", justification: "a good reason" },
    saveVendorPolicy: { agentId: "hostile_agent", hosts: "vendor.example", payees: "", reason: "r" },
    saveApprovalThreshold: { agentId: "hostile_agent", threshold: "25", reason: "r" },
    backtestAction: { agentId: "hostile_agent", dailyLimit: "10", monthlyLimit: "", perTransactionMax: "1" },
  },
  "(console)/alerts/actions.ts": { acknowledgeAlertAction: { id: "1" } },
  "(console)/approvals/actions.ts": {
    decideRequest: { id: "1", decision: "reject", comment: "not now" },
    decidePayment: { approvalId: "pa_1", decision: "deny", reason: "not now" },
  },
  "(console)/audits/actions.ts": { runAudit: {} },
  "(console)/jobs/actions.ts": { runJobAction: { job: "alerts" } },
  "(console)/ledger/[id]/actions.ts": {
    setRefundStateAction: { id: "00000000-0000-0000-0000-000000000000", state: "requested", note: "asked" },
  },
  "(console)/kill-switch/actions.ts": { toggleKillSwitch: { enabled: "true", reason: "incident" } },
  "(console)/overview/actions.ts": {
    saveCaps: { vendor: "vendor.example", agentId: "", daily: "10", monthly: "", reason: "r" },
  },
  "(console)/reconciliation/actions.ts": { runReconciliation: { from: "2026-11-01", to: "2026-11-02" } },
  "(console)/settings/tokens/actions.ts": {
    createCliTokenAction: { name: "laptop", ttlDays: "30" },
    revokeCliTokenAction: { tokenId: "00000000-0000-4000-8000-000000000000" },
  },
  "(console)/settings/users/actions.ts": {
    addUserAction: { email: "new@hostile.test", role: "viewer", name: "New", password: "" },
    changeUserRole: { userId: "00000000-0000-4000-8000-000000000000", role: "viewer" },
    setUserDisabledAction: { userId: "00000000-0000-4000-8000-000000000000", disabled: "true" },
  },
  "(console)/settlements/actions.ts": {
    checkSettlement: { id: "tx_1" },
    cancelSettlement: { id: "tx_1" },
    resolveAllSettlements: { cancelLive: "false" },
  },
  "(console)/treasury/fund/actions.ts": { recordFundingAction: { txHash: `0x${"ab".repeat(32)}` } },
  "(console)/vendors/actions.ts": {
    acceptPayToAction: {
      host: "vendor.example",
      payTo: `0x${"55".repeat(20)}`,
      reason: "confirmed by phone",
    },
  },
  "(console)/treasury/owners/actions.ts": {
    proposeOwnerChangeAction: { action: "add", address: `0x${"11".repeat(20)}`, label: "owner" },
    signOwnerProposalAction: { proposalId: "1", signature: `0x${"22".repeat(65)}` },
  },
  "(console)/treasury/rotate/actions.ts": {
    registerRotationAction: { newAddress: `0x${"33".repeat(20)}`, keyRef: "env:NEW_KEY" },
    proveRotationAction: { rotationId: "1" },
    approveRotationAction: { rotationId: "1", signature: `0x${"44".repeat(65)}` },
    testPaymentAction: { rotationId: "1", agentId: "hostile_agent", url: "https://vendor.example/x" },
    sweepRotationAction: { rotationId: "1" },
    completeRotationAction: { rotationId: "1" },
    cancelRotationAction: { rotationId: "1" },
  },
};

type Action = (input: unknown) => Promise<{ ok: boolean; code?: string; details?: Record<string, unknown> }>;

describe("server actions: hostile text", () => {
  const files = filesNamed(".", "actions.ts");

  it("every actions.ts under app has an entry for each exported action", async () => {
    expect(files).toEqual(Object.keys(ACTIONS).sort());
    for (const file of files) {
      const mod = await import(/* @vite-ignore */ path.join(APP, file));
      expect(Object.keys(mod).sort(), file).toEqual(Object.keys(ACTIONS[file] ?? {}).sort());
    }
  });

  for (const [file, actions] of Object.entries(ACTIONS)) {
    for (const [name, sample] of Object.entries(actions)) {
      const fields = [...Object.keys(sample).filter((k) => typeof sample[k] === "string"), "extra"];
      it(`${name}: each text field (${fields.join(", ")}) with each hostile string is invalid_input naming it, nothing saved`, async () => {
        const action = (await import(/* @vite-ignore */ path.join(APP, file)))[name] as Action;
        const before = await rowCounts(t.db, ["rate_limits"]);
        for (const field of fields) {
          for (const [, s] of HOSTILE_TEXT) {
            const input = { ...sample, [field]: `${sample[field] ?? ""}${s}` };
            const result = await action(input);
            expect(result, `${field}`).toMatchObject({
              ok: false,
              code: "invalid_input",
              details: { field },
            });
            // The same as a form posts it (FormData holds USVStrings: a lone surrogate becomes U+FFFD).
            if (/[\ud800-\udfff]/.test(s)) continue;
            const form = new FormData();
            for (const [k, v] of Object.entries(input)) form.set(k, String(v));
            expect(await action(form)).toMatchObject({
              ok: false,
              code: "invalid_input",
              details: { field },
            });
          }
        }
        // A hostile field name is refused too, without echoing it.
        const named = await action({ ...sample, [`x${HOSTILE_TEXT[0][1]}`]: "v" });
        expect(named).toMatchObject({ ok: false, code: "invalid_input", details: { field: "input" } });
        expect(JSON.stringify(named)).not.toContain("\\u0000");
        expect(await rowCounts(t.db, ["rate_limits"])).toEqual(before);
      });
    }
  }

  it("a textarea keeps its line breaks: a rejection's comment over two lines is not refused as a control character", async () => {
    const { decideRequest } = await import("./(console)/approvals/actions");
    const result = await decideRequest({
      id: "999",
      decision: "reject",
      comment: "not now,\r\nsee the ticket",
    });
    expect(result.ok).toBe(false);
    // Refused only because there is no request 999, not for the line break.
    expect(result).not.toMatchObject({ code: "invalid_input" });
  });
});

// ---------------------------------------------------------------------------------------------
// Record pages' dynamic segments

describe("record pages: a hostile segment is the 404 page, without a query", () => {
  const pages = filesNamed(".", "page.tsx").filter((f) => /\/\[[^/]+\]\/page\.tsx$/.test(f));
  const SEGMENTS = [
    ...HOSTILE_TEXT.map(([name, s]) => [name, `a${s}`] as const),
    ["invalid percent-encoding", "%E0%A4%A"],
  ];

  it("the dynamic pages are the six record pages", () => {
    expect(pages).toEqual([
      "(console)/agents/[id]/page.tsx",
      "(console)/audits/[id]/page.tsx",
      "(console)/jobs/[id]/page.tsx",
      "(console)/ledger/[id]/page.tsx",
      "(console)/reconciliation/[id]/page.tsx",
      "(console)/vendors/[host]/page.tsx",
    ]);
  });

  for (const page of pages) {
    it(`${page}`, async () => {
      const mod = await import(/* @vite-ignore */ path.join(APP, page));
      const render = mod.default as (props: {
        params: Promise<{ id: string; host: string }>;
      }) => Promise<unknown>;
      for (const [name, id] of SEGMENTS) {
        // Each page reads its own segment's name (`[id]`, the vendor page's `[host]`).
        const error = await render({ params: Promise.resolve({ id, host: id }) }).then(
          () => null,
          (e: unknown) => e,
        );
        expect((error as { digest?: string } | null)?.digest, `${page} ${name}`).toBe(
          "NEXT_HTTP_ERROR_FALLBACK;404",
        );
      }
    });
  }
});
