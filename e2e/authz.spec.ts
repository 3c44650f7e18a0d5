import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext, Page } from "@playwright/test";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { expect, test } from "./fixtures";
import { ROLES, type Role } from "./state";

/**
 * One table for every page, API route and server action: signed out, and each role, get
 * exactly what they may. Server actions are read from the build's manifest, so an action
 * added without a row here fails this test.
 */

/** Whether `who` (a role, or no session) holds `minRole` or more, in the domain's role order. */
const mayUse = (who: Role | "nobody", minRole: Role) => who !== "nobody" && roleAtLeast(who, minRole);

const PAGES: [path: string, minRole: Role][] = [
  ["/overview", "viewer"],
  ["/agents", "viewer"],
  ["/agents/builder_agent", "viewer"],
  ["/vendors", "viewer"],
  ["/ledger", "viewer"],
  ["/treasury", "viewer"],
  ["/settlements", "viewer"],
  ["/reconciliation", "viewer"],
  ["/audits", "viewer"],
  ["/jobs", "viewer"],
  ["/approvals", "viewer"],
  ["/alerts", "viewer"],
  ["/audit-log", "viewer"],
  ["/settings/users", "admin"],
  // Everyone's own CLI tokens (an admin sees all): whose token an action may revoke is the domain's check.
  ["/settings/tokens", "viewer"],
  ["/treasury/fund", "viewer"],
  ["/treasury/rotate", "viewer"],
  ["/treasury/owners", "viewer"],
];

const ROUTES: [path: string, minRole: Role][] = [
  ["/api/console/kill-switch", "viewer"],
  ["/api/console/overview", "viewer"],
  ["/api/console/agents", "viewer"],
  ["/api/console/ledger", "viewer"],
  ["/api/console/ledger/export?format=csv", "viewer"],
  ["/api/console/ledger/export?format=jsonl", "viewer"],
  ["/api/v1/wallet/balance", "viewer"],
  // Prometheus sends X402_METRICS_TOKEN; without a bearer, the console's session decides.
  ["/api/metrics", "viewer"],
];

/** Vercel Cron's routes: a session counts for nothing, only `Authorization: Bearer $CRON_SECRET`. */
const CRON_ROUTES = [
  "/api/cron/ledger-sync",
  "/api/cron/weekly-report",
  "/api/cron/reconcile",
  "/api/cron/budget-audit",
  "/api/cron/settle",
  "/api/cron/alerts",
  "/api/cron/alerts-digest",
  "/api/cron/alerts-deliver",
  "/api/cron/payment-approvals",
  "/api/cron/vendor-sync",
  "/api/cron/rollups",
];

/** file#export → the least role that may call it. */
const ACTIONS: Record<string, Role> = {
  "app/(console)/kill-switch/actions.ts#toggleKillSwitch": "operator",
  // Raising or removing a cap needs an approver too; setCaps checks that under its lock.
  "app/(console)/overview/actions.ts#saveCaps": "operator",
  "app/(console)/agents/actions.ts#changeAgentStatus": "operator",
  "app/(console)/agents/actions.ts#saveLimits": "operator",
  "app/(console)/agents/actions.ts#requestMonthlyChange": "operator",
  "app/(console)/agents/actions.ts#saveVendorPolicy": "operator",
  "app/(console)/vendors/actions.ts#acceptPayToAction": "operator",
  // Raising or clearing the threshold needs an approver too; the action checks that after the input.
  "app/(console)/agents/actions.ts#saveApprovalThreshold": "operator",
  // The policy backtest beside the limit fields: a read.
  "app/(console)/agents/actions.ts#backtestAction": "viewer",
  "app/(console)/approvals/actions.ts#decideRequest": "approver",
  "app/(console)/approvals/actions.ts#decidePayment": "approver",
  "app/(console)/settlements/actions.ts#checkSettlement": "operator",
  "app/(console)/settlements/actions.ts#cancelSettlement": "operator",
  "app/(console)/settlements/actions.ts#resolveAllSettlements": "operator",
  "app/(console)/reconciliation/actions.ts#runReconciliation": "operator",
  "app/(console)/audits/actions.ts#runAudit": "operator",
  "app/(console)/jobs/actions.ts#runJobAction": "operator",
  "app/(console)/alerts/actions.ts#acknowledgeAlertAction": "operator",
  "app/(console)/ledger/[id]/actions.ts#setRefundStateAction": "operator",
  "app/(console)/settings/users/actions.ts#addUserAction": "admin",
  "app/(console)/settings/users/actions.ts#changeUserRole": "admin",
  "app/(console)/settings/users/actions.ts#setUserDisabledAction": "admin",
  "app/(console)/settings/tokens/actions.ts#createCliTokenAction": "viewer",
  "app/(console)/settings/tokens/actions.ts#revokeCliTokenAction": "viewer",
  "app/(console)/treasury/fund/actions.ts#recordFundingAction": "operator",
  "app/(console)/treasury/rotate/actions.ts#registerRotationAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#proveRotationAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#approveRotationAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#testPaymentAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#sweepRotationAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#completeRotationAction": "admin",
  "app/(console)/treasury/rotate/actions.ts#cancelRotationAction": "admin",
  "app/(console)/treasury/owners/actions.ts#proposeOwnerChangeAction": "admin",
  "app/(console)/treasury/owners/actions.ts#signOwnerProposalAction": "admin",
};

interface ManifestAction {
  id: string;
  key: string;
  page: string;
}

function manifestActions(): ManifestAction[] {
  const file = path.resolve(import.meta.dirname, "../.next/server/server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(file, "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename: string; exportedName: string }>;
  };
  return Object.entries(manifest.node).map(([id, entry]) => {
    const worker =
      Object.keys(entry.workers).find((w) => w.endsWith("/page")) ?? "app/(console)/overview/page";
    const page = worker
      .replace(/^app/, "")
      .replace(/\/\([^)]+\)/g, "")
      .replace(/\/page$/, "")
      .replace(/\[[^\]]+\]/g, "builder_agent");
    return { id, key: `${entry.filename}#${entry.exportedName}`, page: page || "/" };
  });
}

async function callAction(
  request: APIRequestContext,
  baseURL: string,
  action: ManifestAction,
): Promise<{ status: number; location: string; body: string }> {
  const response = await request.post(`${baseURL}${action.page}`, {
    headers: {
      // A browser's own origin: the proxy refuses action calls without one.
      origin: baseURL,
      "next-action": action.id,
      accept: "text/x-component",
      "content-type": "text/plain;charset=UTF-8",
    },
    // Not an object: every action's input schema refuses it, so an allowed role gets
    // invalid_input (the role check passed) and nothing can change.
    data: JSON.stringify(["__forged__"]),
    maxRedirects: 0,
  });
  return {
    status: response.status(),
    location: response.headers().location ?? "",
    body: await response.text(),
  };
}

test.describe("authorization table", () => {
  test("every server action in the build has a row", () => {
    const keys = manifestActions().map((a) => a.key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !(k in ACTIONS))).toEqual([]);
  });

  for (const who of ["nobody", ...ROLES] as const) {
    test(`${who}: pages, routes and actions`, async ({ as, anonymous, state }) => {
      const page: Page = who === "nobody" ? await anonymous() : await as(who);
      for (const [pagePath, minRole] of PAGES) {
        const response = await page.goto(pagePath);
        const allowed = mayUse(who, minRole);
        const url = new URL(page.url());
        if (who === "nobody") {
          expect(url.pathname, `${pagePath} as ${who}`).toBe("/login");
        } else if (allowed) {
          expect(url.pathname, `${pagePath} as ${who}`).toBe(pagePath);
          expect(response?.status(), `${pagePath} as ${who}`).toBeLessThan(400);
        } else {
          expect(url.pathname, `${pagePath} as ${who}`).toBe("/forbidden");
        }
      }
      for (const [routePath, minRole] of ROUTES) {
        const response = await page.request.get(`${state.baseURL}${routePath}`);
        const expected = who === "nobody" ? 401 : mayUse(who, minRole) ? 200 : 403;
        expect(response.status(), `${routePath} as ${who}`).toBe(expected);
      }
      for (const routePath of CRON_ROUTES) {
        const response = await page.request.get(`${state.baseURL}${routePath}`);
        expect(response.status(), `${routePath} as ${who}`).toBe(401);
      }
      for (const action of manifestActions()) {
        const result = await callAction(page.request, state.baseURL, action);
        const minRole = ACTIONS[action.key] ?? "admin";
        if (who === "nobody") {
          // The proxy turns a signed-out call away before it reaches the action; where it does
          // not, the action's own check answers.
          const turnedAway =
            result.status >= 300 && result.status < 400 && result.location.includes("/login");
          expect(turnedAway || result.body.includes('"code":"unauthorized"'), `${action.key} as nobody`).toBe(
            true,
          );
          continue;
        }
        const expected = mayUse(who, minRole) ? "invalid_input" : "forbidden";
        expect(result.body, `${action.key} as ${who}`).toContain(`"code":"${expected}"`);
      }
    });
  }

  test("the payment API takes agent keys only, and health is public", async ({ request, state }) => {
    const noKey = await request.post(`${state.baseURL}/api/v1/payments`, { data: {} });
    expect(noKey.status()).toBe(401);
    const health = await request.get(`${state.baseURL}/api/health`);
    expect(health.status()).toBe(200);
    // Signed out: the status only, no kill-switch actor or reason.
    expect(Object.keys(await health.json()).sort()).toEqual(["checkedAt", "status"]);
    const balance = await request.get(`${state.baseURL}/api/v1/wallet/balance`, {
      headers: { authorization: `Bearer ${state.metricsToken}` },
    });
    expect(balance.status()).toBe(200);
  });

  test("Prometheus reads /api/metrics with the metrics token only", async ({ request, state }) => {
    const wrong = await request.get(`${state.baseURL}/api/metrics`, {
      headers: { authorization: `Bearer ${state.metricsToken}x` },
    });
    expect(wrong.status()).toBe(401);
    const ok = await request.get(`${state.baseURL}/api/metrics`, {
      headers: { authorization: `Bearer ${state.metricsToken}` },
    });
    expect(ok.status()).toBe(200);
    expect(ok.headers()["content-type"]).toContain("text/plain; version=0.0.4");
    const text = await ok.text();
    expect(text).toContain("# TYPE x402_payments_total counter");
    expect(text).toMatch(/^x402_kill_switch_enabled [01]$/m);
  });

  test("the cron routes run their job with the cron secret only", async ({ request, state }) => {
    const wrong = await request.get(`${state.baseURL}/api/cron/weekly-report`, {
      headers: { authorization: `Bearer ${state.cronSecret}x` },
    });
    expect(wrong.status()).toBe(401);
    const ok = await request.get(`${state.baseURL}/api/cron/weekly-report`, {
      headers: { authorization: `Bearer ${state.cronSecret}` },
    });
    expect(ok.status()).toBe(200);
    const body = (await ok.json()) as { job: string; status: string; runId: string | null };
    expect(body.job).toBe("weekly-report");
    expect(["succeeded", "skipped"]).toContain(body.status);
  });
});
