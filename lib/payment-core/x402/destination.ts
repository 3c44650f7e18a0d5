import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";

/**
 * Where the payer may send a request. An agent chooses the URL and a vendor chooses its DNS, so
 * both are hostile: only public unicast addresses are reached, plus the `host:port` entries an
 * operator listed in X402_ALLOWED_PRIVATE_HOSTS, and never this console itself.
 *
 * The check runs inside the connection: the agent below resolves the name once, checks every
 * address it resolved to, and connects to the address it checked. A name that answers a public
 * address to a first lookup and 127.0.0.1 to a second (DNS rebinding) gains nothing, because
 * there is no second lookup.
 */

export interface DestinationPolicy {
  /** `host:port` entries let through although private or loopback (exact match, lower case). */
  allowedPrivateHosts: readonly string[];
  /** `host:port` of this console itself: refused even when listed above. */
  selfHosts?: readonly string[];
}

export class DestinationError extends Error {
  readonly code = "destination_not_allowed";
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`destination ${host} is not allowed: ${reason}`);
    this.name = "DestinationError";
  }
}

/** True for a destination refusal, however it was wrapped (fetch wraps it in `cause`). */
export function destinationRefusal(error: unknown): DestinationError | null {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === "destination_not_allowed") return e as DestinationError;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

const RANGE_REASON: Record<string, string> = {
  loopback: "a loopback address",
  private: "a private address",
  uniqueLocal: "a private (unique local) address",
  linkLocal: "a link-local address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  reserved: "a reserved address",
  carrierGradeNat: "a carrier-grade NAT address",
};

/**
 * The address as the IP it reaches: IPv4-mapped (`::ffff:7f00:1`) and IPv4-compatible
 * (`::127.0.0.1`, which a URL spells `[::7f00:1]`) IPv6 are the IPv4 address they carry, so the
 * ranges below judge them as IPv4. `::` and `::1` stay IPv6 (unspecified and loopback).
 */
function reachedAddress(bare: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.process(bare);
  if (parsed.kind() !== "ipv6") return parsed;
  const parts = (parsed as ipaddr.IPv6).parts;
  const compatible = parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || (parts[7] ?? 0) > 1);
  if (!compatible) return parsed;
  const bytes = (parsed as ipaddr.IPv6).toByteArray().slice(12);
  return new ipaddr.IPv4(bytes);
}

export type AddressClass = { public: true } | { public: false; range: string; reason: string };

/**
 * What kind of address `address` is. Everything that is not public unicast is refused, so a
 * range ipaddr.js learns later is refused too. IPv4-mapped and IPv4-compatible IPv6
 * (`::ffff:127.0.0.1`, `::127.0.0.1`) are judged as the IPv4 address they carry.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(bare)) return { public: false, range: "invalid", reason: "not an IP address" };
  const parsed = reachedAddress(bare);
  const range = parsed.range();
  if (range === "unicast") return { public: true };
  if (parsed.kind() === "ipv4" && parsed.toString() === "169.254.169.254") {
    return { public: false, range, reason: "a link-local address (cloud metadata service)" };
  }
  return {
    public: false,
    range,
    reason: RANGE_REASON[range] ?? `a special-purpose address (${range})`,
  };
}

/** Addresses assigned to this machine's interfaces: the console's own, whatever their range. */
function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) out.add(reachedAddress(i.address.split("%")[0] ?? i.address).toString());
  }
  return out;
}

const stripBrackets = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase();
const defaultPort = (protocol: string) => (protocol === "https:" ? 443 : 80);

/** `host:port` as the allowlist spells it (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  const h = stripBrackets(host);
  return `${isIP(h) === 6 ? `[${h}]` : h}:${port}`;
}

/**
 * The decision for one resolved address: null when the connection may go ahead, else why not.
 * Pure apart from reading the interface list, so tests check private ranges without connecting.
 */
export function decide(
  host: string,
  port: number,
  address: string,
  policy: DestinationPolicy,
  local: Set<string> = localAddresses(),
): string | null {
  const cls = classifyAddress(address);
  const canonical = ipaddr.isValid(stripBrackets(address))
    ? reachedAddress(stripBrackets(address)).toString()
    : address;
  const requested = hostPort(host, port);
  const isLocal =
    local.has(canonical) || (!cls.public && (cls.range === "loopback" || cls.range === "unspecified"));
  const selfPorts = new Set((policy.selfHosts ?? []).map((s) => s.slice(s.lastIndexOf(":") + 1)));
  const selfHosts = new Set((policy.selfHosts ?? []).map((s) => s.toLowerCase()));
  const subject =
    stripBrackets(host) === canonical ? canonical : `${stripBrackets(host)} resolves to ${canonical}, which`;
  if (selfHosts.has(requested) || (isLocal && selfPorts.has(String(port)))) {
    return `${subject} is this console's own address (port ${port})`;
  }
  if (cls.public && !local.has(canonical)) return null;
  if (policy.allowedPrivateHosts.some((entry) => entry.toLowerCase() === requested)) return null;
  if (cls.public) return `${subject} is an address of this machine`;
  return `${subject} is ${cls.reason}`;
}

/**
 * Resolves `host` once (an IP literal is not resolved) and checks every address it has; the
 * answer is the address to connect to. Throws DestinationError when any address is refused: a
 * name with one private answer among public ones is refused as a whole.
 */
export async function resolveDestination(
  host: string,
  port: number,
  policy: DestinationPolicy,
): Promise<{ address: string; family: 4 | 6 }> {
  const bare = stripBrackets(host);
  const addresses =
    isIP(bare) !== 0
      ? [{ address: bare, family: isIP(bare) as 4 | 6 }]
      : (await lookup(bare, { all: true, verbatim: true })).map((a) => ({
          address: a.address,
          family: a.family as 4 | 6,
        }));
  if (addresses.length === 0) throw new DestinationError(host, `${host} has no address`);
  const local = localAddresses();
  for (const a of addresses) {
    const refusal = decide(host, port, a.address, policy, local);
    if (refusal) throw new DestinationError(host, refusal);
  }
  return addresses[0] as { address: string; family: 4 | 6 };
}

/**
 * An undici Agent (use it with undici's own `fetch`) whose every connection, on every hop, goes
 * through `resolveDestination` and is made to the address that was checked.
 */
export function guardedAgent(policy: DestinationPolicy, options: { connectTimeoutMs?: number } = {}) {
  const connector = buildConnector({ timeout: options.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect(opts, callback) {
      const port = opts.port ? Number(opts.port) : defaultPort(opts.protocol);
      resolveDestination(opts.hostname, port, policy).then(
        ({ address }) =>
          // `host` keeps the name, so TLS still verifies the certificate for it (SNI).
          connector({ ...opts, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}
