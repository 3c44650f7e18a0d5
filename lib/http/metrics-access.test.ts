import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { windowLimiter } from "@/lib/payment-core/access/rate-limit";
import { buildRegistry } from "@/lib/payment-core/metrics/exposition";
import { readMetricsSnapshot } from "@/lib/payment-core/metrics/snapshot";
import { config, metricsFixture, now, TOKEN, WALLET } from "../testing/metrics-fixture";
import { handleMetrics, type MetricsDeps } from "./metrics-handler";

const t = metricsFixture();
const { scrape } = t;

describe("GET /api/metrics authorization", () => {
  let collected = 0;
  const deps = (overrides: Partial<MetricsDeps> = {}): MetricsDeps => ({
    token: TOKEN,
    limits: {
      authFailures: windowLimiter(t.db, { keyPrefix: "test_prom_auth_ip", limit: 3, windowSeconds: 60 }),
      perToken: windowLimiter(t.db, { keyPrefix: "test_prom_token", limit: 1000, windowSeconds: 60 }),
    },
    trustedProxies: [],
    session: async () =>
      Response.json({ error: { code: "unauthorized", message: "sign in first" } }, { status: 401 }),
    collect: async () => {
      collected++;
      return buildRegistry(await readMetricsSnapshot(t.db, config, { clock: () => now }), WALLET);
    },
    ...overrides,
  });
  const get = (headers: Record<string, string> = {}) =>
    new Request("http://console.test/api/metrics", {
      headers: { "x-forwarded-for": "198.51.100.7", ...headers },
    });

  it("answers the exposition with the metrics token", async () => {
    const res = await handleMetrics(get({ authorization: `Bearer ${TOKEN}` }), deps());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain(
      'x402_payments_total{agent="builder_agent",vendor="search-api",status="completed"} 6',
    );
  });

  it("answers 401 without a token or signed-in session, and with a wrong token, reading nothing", async () => {
    const before = collected;
    const none = await handleMetrics(get(), deps());
    expect(none.status).toBe(401);
    const wrong = await handleMetrics(
      get({ authorization: `Bearer ${TOKEN.slice(0, -1)}x`, "x-forwarded-for": "198.51.100.8" }),
      deps(),
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "unauthorized" } });
    const shorter = await handleMetrics(
      get({ authorization: "Bearer short", "x-forwarded-for": "198.51.100.8" }),
      deps(),
    );
    expect(shorter.status).toBe(401);
    expect(collected).toBe(before);
  });

  it("refuses any bearer when no token is configured (never open by default)", async () => {
    const res = await handleMetrics(
      get({ authorization: `Bearer ${TOKEN}`, "x-forwarded-for": "198.51.100.9" }),
      deps({ token: undefined }),
    );
    expect(res.status).toBe(401);
  });

  it("serves a signed-in console user without a token", async () => {
    const res = await handleMetrics(get(), deps({ session: async () => null }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("x402_kill_switch_enabled 0");
  });

  it("refuses an address after too many wrong tokens, even with the right one", async () => {
    const d = deps();
    const ip = { "x-forwarded-for": "203.0.113.50" };
    for (let i = 0; i < 3; i++) {
      expect((await handleMetrics(get({ authorization: "Bearer wrong-token-guess", ...ip }), d)).status).toBe(
        401,
      );
    }
    const blocked = await handleMetrics(get({ authorization: `Bearer ${TOKEN}`, ...ip }), d);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("Grafana dashboard (public/grafana/x402.json)", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
  const DS_UID = "${DS_PROMETHEUS}";
  const file = path.resolve(import.meta.dirname, "../../public/grafana/x402.json");
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as {
    templating: { list: { name: string; type: string; query: string }[] };
    panels: {
      title: string;
      datasource: { uid: string };
      targets: { expr: string; datasource: { uid: string } }[];
    }[];
  };

  it("has the operations guide's panels, on the DS_PROMETHEUS data source variable", () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      "Payment Wallet Balance",
      "Budget Utilization by Agent",
      "Payment Success Rate (%)",
      "Payment Latency (p50, p95, p99)",
    ]) {
      expect(titles).toContain(title);
    }
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", query: "prometheus" }),
    );
    for (const p of dashboard.panels) {
      expect(p.datasource.uid, p.title).toBe(DS_UID);
      for (const target of p.targets) expect(target.datasource.uid, p.title).toBe(DS_UID);
    }
  });

  it("queries only metrics the endpoint exports", async () => {
    const f = await scrape();
    const exported = new Map(f.map((x) => [x.name, x.type]));
    const queried = new Set<string>();
    for (const p of dashboard.panels) {
      for (const target of p.targets) {
        for (const [name] of target.expr.matchAll(/\bx402_[a-z0-9_]+/g)) queried.add(name);
      }
    }
    expect(queried.size).toBeGreaterThan(10);
    const missing = [...queried].filter((name) => {
      if (exported.has(name)) return false;
      // A histogram's series: <name>_bucket, _sum, _count.
      const base = name.replace(/_(bucket|sum|count)$/, "");
      return exported.get(base) !== "HISTOGRAM";
    });
    expect(missing).toEqual([]);
  });
});
