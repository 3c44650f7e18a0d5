import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyAddress, decide, destinationRefusal, guardedAgent, resolveDestination } from "./destination";

const none = { allowedPrivateHosts: [] };

/** What a connection to `url` is refused with (what the payer's first request meets), or null. */
const refusalOf = (url: URL) =>
  resolveDestination(url.hostname, Number(url.port || 80), none).then(() => null, destinationRefusal);
const noLocal = new Set<string>();

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fc00::1", "a private (unique local)"],
    ["fd12:3456::1", "a private (unique local)"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["fe80::1", "link-local"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.254", "carrier-grade NAT"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::ffff:192.168.0.1", "private"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["64:ff9b::7f00:1", "special-purpose"],
  ])("%s is refused (%s)", (address, reason) => {
    const c = classifyAddress(address);
    expect(c.public).toBe(false);
    if (!c.public) expect(c.reason).toContain(reason);
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(classifyAddress(address)).toEqual({ public: true });
    },
  );
});

/** An IPv4 address in each IPv6 spelling that carries it: compatible (`::a.b.c.d`, `::hhhh:hhhh`, deprecated) and mapped (`::ffff:…`). */
function ipv6Forms(v4: string): string[] {
  const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number);
  const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  // `::0:0` is `::` itself, the IPv6 unspecified address (checked on its own below).
  return [`::${v4}`, `::${hex}`, `::ffff:${v4}`, `::ffff:${hex}`, `0:0:0:0:0:ffff:${hex}`].filter(
    (form) => form !== "::0:0",
  );
}

const CARRIED_IPV4: [string, string][] = [
  ["127.0.0.1", "a loopback address"],
  ["127.8.9.10", "a loopback address"],
  ["10.1.2.3", "a private address"],
  ["172.16.0.1", "a private address"],
  ["192.168.1.1", "a private address"],
  ["169.254.169.254", "a link-local address (cloud metadata service)"],
  ["169.254.1.1", "a link-local address"],
  ["100.64.0.1", "a carrier-grade NAT address"],
  ["224.0.0.1", "a multicast address"],
  ["0.0.0.0", "an unspecified address"],
];
const carried = CARRIED_IPV4.flatMap(([v4, reason]) => ipv6Forms(v4).map((form) => ({ form, v4, reason })));

describe("IPv4 carried in IPv6 (compatible and mapped) is judged as the IPv4 address", () => {
  it.each(carried)("$form as a resolved address is $reason", ({ form, v4, reason }) => {
    expect(classifyAddress(form)).toMatchObject({ public: false, reason });
    expect(decide("vendor.example", 80, form, none, noLocal)).toBe(
      `vendor.example resolves to ${v4}, which is ${reason}`,
    );
  });

  it.each(carried)("[$form] as a URL host is refused: $reason", async ({ form, reason }) => {
    const url = new URL(`http://[${form}]:8080/`);
    const refusal = await refusalOf(url);
    expect(refusal?.code).toBe("destination_not_allowed");
    expect(refusal?.reason).toMatch(new RegExp(`is ${reason.replace(/[()]/g, "\\$&")}$`));
  });

  it.each(["::8.8.8.8", "::808:808", "::ffff:808:808"])(
    "%s carries a public address and is public",
    (form) => {
      expect(classifyAddress(form)).toEqual({ public: true });
    },
  );

  it("::1 and :: stay the IPv6 loopback and unspecified addresses", () => {
    expect(classifyAddress("::1")).toMatchObject({ public: false, range: "loopback" });
    expect(classifyAddress("::")).toMatchObject({ public: false, range: "unspecified" });
  });
});

describe("decide (the connection filter's decision, no connection made)", () => {
  it.each([
    "10.0.0.5",
    "172.20.1.1",
    "192.168.0.10",
    "169.254.169.254",
    "100.64.1.1",
    "fe80::1",
    "::ffff:10.0.0.5",
  ])("refuses %s with the reason", (address) => {
    expect(decide(address, 80, address, none, noLocal)).toMatch(/ is (a|an) /);
  });

  it("names the host and the address for a name that resolves privately", () => {
    expect(decide("metadata.internal", 80, "169.254.169.254", none, noLocal)).toBe(
      "metadata.internal resolves to 169.254.169.254, which is a link-local address (cloud metadata service)",
    );
    expect(decide("127.0.0.1", 80, "127.0.0.1", none, noLocal)).toBe("127.0.0.1 is a loopback address");
  });

  it("allows a public address, and a private one only for the exact host:port listed", () => {
    expect(decide("example.com", 443, "93.184.215.14", none, noLocal)).toBeNull();
    const policy = { allowedPrivateHosts: ["10.0.0.5:8080"] };
    expect(decide("10.0.0.5", 8080, "10.0.0.5", policy, noLocal)).toBeNull();
    expect(decide("10.0.0.5", 8081, "10.0.0.5", policy, noLocal)).not.toBeNull();
    expect(decide("10.0.0.6", 8080, "10.0.0.6", policy, noLocal)).not.toBeNull();
  });

  it("refuses this console's own address even when listed, and this machine's public addresses", () => {
    const policy = { allowedPrivateHosts: ["127.0.0.1:3000"], selfHosts: ["127.0.0.1:3000"] };
    expect(decide("127.0.0.1", 3000, "127.0.0.1", policy, noLocal)).toContain("this console's own address");
    expect(decide("[::1]", 3000, "::1", policy, noLocal)).toContain("this console's own address");
    expect(decide("203.0.113.7", 3000, "203.0.113.7", policy, new Set(["203.0.113.7"]))).toContain(
      "this console's own address",
    );
    expect(decide("8.8.4.4", 443, "8.8.4.4", none, new Set(["8.8.4.4"]))).toContain(
      "an address of this machine",
    );
  });
});

describe("resolving and connecting (loopback sockets only)", () => {
  let server: Server;
  let port: number;
  let connections = 0;
  let internal: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/redirect") {
        res.writeHead(302, { location: `http://169.254.169.254/latest/meta-data/` });
        res.end();
        return;
      }
      res.end("ok");
    });
    server.on("connection", () => {
      connections++;
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as AddressInfo).port;
    internal = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it.each([
    "127.1",
    "2130706433",
    "0x7f000001",
    "127.0.0.1",
    "[::ffff:127.0.0.1]",
    "[::127.0.0.1]",
    "[::7f00:1]",
    "localhost",
    "0.0.0.0",
  ])("%s: refused before any connection", async (host) => {
    const before = connections;
    const url = new URL(`http://${host}:${port}/`);
    const refusal = await refusalOf(url);
    expect(refusal?.code).toBe("destination_not_allowed");
    const error = await fetch(url, { dispatcher: guardedAgent(none) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(destinationRefusal(error)?.reason).toMatch(/loopback|unspecified/);
    expect(connections).toBe(before);
  });

  it("a name resolving to loopback is refused by name", async () => {
    await expect(resolveDestination("localhost", port, none)).rejects.toMatchObject({
      code: "destination_not_allowed",
      reason: expect.stringMatching(
        /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address$/,
      ),
    });
  });

  it("the allowlisted host:port connects, pinned to the checked address; a redirect inward is not followed", async () => {
    const policy = { allowedPrivateHosts: [internal] };
    const before = connections;
    const ok = await fetch(`http://${internal}/`, { dispatcher: guardedAgent(policy) });
    expect(await ok.text()).toBe("ok");
    const redirected = await fetch(`http://${internal}/redirect`, {
      dispatcher: guardedAgent(policy),
      redirect: "manual",
    });
    expect(redirected.status).toBe(302);
    await redirected.body?.cancel();
    expect(connections - before).toBeLessThanOrEqual(2);
    // Even followed, the next hop is checked at connect time and refused.
    const followed = await fetch(`http://${internal}/redirect`, { dispatcher: guardedAgent(policy) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(destinationRefusal(followed)?.reason).toContain("cloud metadata");
  });
});
