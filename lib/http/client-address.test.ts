import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleMetrics } from "@/lib/http/metrics-handler";
import { clientIp, windowLimiter } from "@/lib/payment-core/access/rate-limit";
import { createSignInThrottle, signInWithPassword } from "@/lib/payment-core/access/sign-in";
import { addUser } from "@/lib/payment-core/access/users";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { installPeerAddress, uninstallPeerAddress } from "./peer-address";

/**
 * The throttles keyed by client address, over real sockets: a Node HTTP server with the console's
 * start-up hook (installPeerAddress) in front of the real sign-in and metrics handlers, and the
 * real PostgreSQL counts. The attack: rotate X-Forwarded-For on every request to look like a new
 * client each time. Requests come from 127.0.0.1 (a client talking to the console directly) or
 * 127.0.0.2 (a reverse proxy in front of it), chosen with the socket's local address.
 */

let t: TestDatabase;
let server: http.Server;
let port = 0;
/** X402_TRUSTED_PROXIES for the server below. */
let trusted: string[] = [];
let seq = 0;

const PASSWORD = "the-right-password-1";
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

beforeAll(async () => {
  t = await createTestDatabase();
  await addUser(t.db, { email: "ann@example.com", role: "viewer", password: PASSWORD, actor: "test" });
  installPeerAddress();
  // Per-account lockout out of reach (every wrong attempt names a new email): the per-address one decides.
  const throttle = createSignInThrottle(t.db, {
    maxFailuresPerAccount: 1000,
    maxFailuresPerIp: 3,
    windowSeconds: 60,
    lockoutSeconds: 60,
    maxLockoutSeconds: 60,
  });
  // The metrics limiters are keyed per test (`prefix`); the sign-in tests use addresses of their own.
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://console.test");
    const prefix = url.searchParams.get("prefix") ?? "x";
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (url.pathname === "/sign-in") {
        const result = await signInWithPassword(t.db, throttle, {
          email: url.searchParams.get("email") ?? "",
          password: url.searchParams.get("password") ?? "",
          ip: clientIp(req.headers, trusted),
        });
        return answer(200, { ...result, ip: clientIp(req.headers, trusted) });
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await handleMetrics(new Request(url, { headers }), {
        token: METRICS_TOKEN,
        limits: {
          authFailures: windowLimiter(t.db, { keyPrefix: `${prefix}_auth_ip`, limit: 3, windowSeconds: 60 }),
          perToken: windowLimiter(t.db, { keyPrefix: `${prefix}_token`, limit: 1000, windowSeconds: 60 }),
        },
        trustedProxies: trusted,
        session: async () => Response.json({ error: { code: "unauthorized" } }, { status: 401 }),
        collect: async () => {
          const { Registry } = await import("prom-client");
          return new Registry();
        },
      });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      answer(500, { error: (error as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  uninstallPeerAddress();
  await new Promise((r) => server?.close(r));
  await t?.drop();
});

/** One request over a fresh connection from `from`, with the headers given. */
function send(
  path: string,
  options: { from?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        localAddress: options.from ?? "127.0.0.1",
        headers: { connection: "close", ...options.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text.startsWith("{") ? JSON.parse(text) : { text } });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const forged = () => `198.51.100.${(seq++ % 250) + 1}`;
const wrongSignIn = (prefix: string, headers: Record<string, string>, from?: string) =>
  send(`/sign-in?prefix=${prefix}&email=nobody${seq++}@example.com&password=wrong`, { headers, from });

describe("X402_TRUSTED_PROXIES unset: X-Forwarded-For from a client is never believed", () => {
  it("a client rotating X-Forwarded-For is still throttled by the per-address sign-in limit", async () => {
    trusted = [];
    const prefix = `s${Date.now()}`;
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await wrongSignIn(prefix, { "x-forwarded-for": forged() }));
    expect(answers.map((a) => a.body.code)).toEqual([
      "invalid_credentials",
      "invalid_credentials",
      "invalid_credentials",
    ]);
    // Every attempt was counted against the socket's address, whatever the header said.
    expect(new Set(answers.map((a) => a.body.ip))).toEqual(new Set(["127.0.0.1"]));
    // The fourth, with yet another forged address and the right password, is refused.
    const refused = await send(`/sign-in?prefix=${prefix}&email=ann@example.com&password=${PASSWORD}`, {
      headers: { "x-forwarded-for": `${forged()}, ${forged()}`, "x-real-ip": forged() },
    });
    expect(refused.body).toMatchObject({ ok: false, code: "throttled", ip: "127.0.0.1" });
    expect(refused.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Another address (a different socket peer) is not affected.
    const other = await send(`/sign-in?prefix=${prefix}&email=ann@example.com&password=${PASSWORD}`, {
      from: "127.0.0.3",
    });
    expect(other.body).toMatchObject({ ok: true, ip: "127.0.0.3" });
  });

  it("a client rotating X-Forwarded-For is still throttled by the metrics token-guess limit", async () => {
    trusted = [];
    const prefix = `m${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      const res = await send(`/metrics?prefix=${prefix}`, {
        headers: { authorization: "Bearer wrong-token-guess", "x-forwarded-for": forged() },
      });
      expect(res.status).toBe(401);
    }
    const blocked = await send(`/metrics?prefix=${prefix}`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}`, "x-forwarded-for": forged() },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: { code: "rate_limited" } });
    // Without a header at all the same address is refused too: one count, however it is dressed.
    expect(
      (await send(`/metrics?prefix=${prefix}`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }))
        .status,
    ).toBe(429);
  });
});

describe("X402_TRUSTED_PROXIES set to the reverse proxy's CIDR", () => {
  it("the client the proxy names is used: its clients are counted apart, a direct client still by its socket", async () => {
    trusted = ["127.0.0.2/32"];
    const prefix = `p${Date.now()}`;
    const viaProxy = (client: string) =>
      wrongSignIn(prefix, { "x-forwarded-for": `203.0.113.99, ${client}` }, "127.0.0.2");
    // 203.0.113.10 fails three times through the proxy and is throttled ...
    for (let i = 0; i < 3; i++) {
      expect((await viaProxy("203.0.113.10")).body).toMatchObject({
        code: "invalid_credentials",
        ip: "203.0.113.10",
      });
    }
    expect((await viaProxy("203.0.113.10")).body).toMatchObject({ code: "throttled", ip: "203.0.113.10" });
    // ... while another client behind the same proxy is not: the proxy's own address is not the key,
    // and the entry the client wrote before the proxy's (203.0.113.99) is not believed.
    const other = await send(`/sign-in?prefix=${prefix}&email=ann@example.com&password=${PASSWORD}`, {
      from: "127.0.0.2",
      headers: { "x-forwarded-for": "203.0.113.99, 203.0.113.11" },
    });
    expect(other.body).toMatchObject({ ok: true, ip: "203.0.113.11" });
    // A client reaching the console directly cannot pose as the proxy's clients.
    const direct = await wrongSignIn(prefix, { "x-forwarded-for": "203.0.113.12" });
    expect(direct.body).toMatchObject({ ip: "127.0.0.1" });
  });
});
