import { eq, sql } from "drizzle-orm";
import { getAddress, isAddress } from "viem";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";

/** The policy's columns, as a `VendorPolicy`. */
const policyColumns = { hosts: agents.allowedVendorHosts, payees: agents.allowedPayees };

/**
 * Per-agent vendor policy: the hosts and payee addresses an agent may pay, as custody wallets
 * (Fireblocks, CDP) allowlist destinations. An empty list is no restriction. The payer reads it
 * on every payment, so a change applies to the next one.
 */
export interface VendorPolicy {
  /** `host` (any port) or `host:port`, lower-case, IPv6 in brackets. */
  hosts: string[];
  /** Checksummed addresses. */
  payees: string[];
}

export const MAX_POLICY_ENTRIES = 100;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ENTRY = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]@?#]+)(?::(\d{1,5}))?$/;

function invalidHost(entry: string, why: string): InvalidInputError {
  return new InvalidInputError("invalid_vendor_host", `vendor host ${JSON.stringify(entry)} ${why}`, {
    host: entry,
  });
}

/** `Example.COM:8443` → `example.com:8443`; a hostname or IP with an optional port, nothing else. */
export function normalizeHost(entry: string): string {
  const raw = entry.trim();
  const m = ENTRY.exec(raw);
  if (!m || raw.length > 260) {
    throw invalidHost(entry, "must be a hostname or IP address with an optional :port (no scheme or path)");
  }
  let hostname: string;
  try {
    // The WHATWG parser gives the same form the payer compares against (punycode, IPv4 spelled out).
    hostname = new URL(`http://${m[1]}/`).hostname;
  } catch {
    throw invalidHost(entry, "is not a valid hostname or IP address");
  }
  const isIpv6 = hostname.startsWith("[");
  if (!isIpv6 && (hostname.length > 253 || !hostname.split(".").every((l) => LABEL.test(l)))) {
    throw invalidHost(entry, "is not a valid hostname (letters, digits, - and . only; no wildcards)");
  }
  if (m[2] === undefined) return hostname;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw invalidHost(entry, "has a port outside 1-65535");
  return `${hostname}:${port}`;
}

export function normalizePayee(entry: string): string {
  const raw = entry.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(raw) || !isAddress(raw, { strict: false })) {
    throw new InvalidInputError("invalid_payee", `payee ${JSON.stringify(entry)} is not a 0x address`, {
      payee: entry,
    });
  }
  return getAddress(raw);
}

function normalizeList(values: readonly string[], one: (v: string) => string, what: string): string[] {
  const out = [...new Set(values.map(one))];
  if (out.length > MAX_POLICY_ENTRIES) {
    throw new InvalidInputError("invalid_input", `at most ${MAX_POLICY_ENTRIES} ${what} may be listed`, {
      count: out.length,
    });
  }
  return out;
}

/** The policy as stored; null when the agent does not exist. One indexed read (primary key). */
export async function getVendorPolicy(db: Database, agentId: string): Promise<VendorPolicy | null> {
  const [r] = await db.select(policyColumns).from(agents).where(eq(agents.id, agentId));
  return r ? { hosts: r.hosts ?? [], payees: r.payees ?? [] } : null;
}

/**
 * Replaces the given lists (an omitted one is kept; an empty one lifts that restriction). Every
 * entry is validated before anything is written; the change and its audit row commit together.
 */
export async function setVendorPolicy(
  db: Database,
  input: {
    agentId: string;
    hosts?: readonly string[];
    payees?: readonly string[];
    actor: string;
    reason?: string | null;
  },
): Promise<VendorPolicy> {
  const newHosts = input.hosts && normalizeList(input.hosts, normalizeHost, "hosts");
  const newPayees = input.payees && normalizeList(input.payees, normalizePayee, "payees");
  return db.transaction(async (tx) => {
    const [was] = await tx
      .select(policyColumns)
      .from(agents)
      .where(eq(agents.id, input.agentId))
      .for("update");
    if (!was) {
      throw new OperationError("unknown_agent", `no agent named ${input.agentId}`, {
        agentId: input.agentId,
      });
    }
    const hosts = newHosts ?? was.hosts;
    const payees = newPayees ?? was.payees;
    await tx
      .update(agents)
      .set({ allowedVendorHosts: hosts, allowedPayees: payees, updatedAt: sql`now()` })
      .where(eq(agents.id, input.agentId));
    const after = { hosts, payees };
    await writeAudit(tx, {
      actor: input.actor,
      action: "agent.vendor_policy_set",
      targetType: "agent",
      targetId: input.agentId,
      before: { hosts: was.hosts, payees: was.payees },
      after,
      reason: input.reason ?? null,
    });
    return after;
  });
}

/** Whether `url` may be paid under `policy.hosts`; an entry without a port matches any port. */
export function hostAllowed(policy: VendorPolicy, url: URL): boolean {
  if (policy.hosts.length === 0) return true;
  const hostname = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const withPort = `${hostname}:${port}`;
  return policy.hosts.some((h) => {
    const entry = h.toLowerCase();
    return entry === hostname || entry === withPort;
  });
}

export function payeeAllowed(policy: VendorPolicy, payee: string): boolean {
  if (policy.payees.length === 0) return true;
  const p = payee.toLowerCase();
  return policy.payees.some((a) => a.toLowerCase() === p);
}
