import type { PaymentRequired, PaymentRequirements } from "@x402/core/types";
import { getAddress, isAddress, zeroAddress } from "viem";
import type { Micro } from "../support/money";

/**
 * What a vendor's 402 answer must satisfy before anything is signed. A malicious vendor
 * controls every field of it; each is checked against our own configuration.
 */
export interface RequirementsPolicy {
  network: string;
  usdcAddress: string;
  usdcName: string;
  usdcVersion: string;
  /** The caller's own ceiling (maxPriceUsdc), if any. */
  maxPriceMicro?: Micro;
  maxTimeoutSeconds: number;
  /** The payer's own address: paying oneself is no purchase. */
  payerAddress?: string;
}

/**
 * Addresses at or below 0xffff are precompiles and system contracts on EVM chains (ecrecover at
 * 0x01 … p256verify at 0x100 on Base): nothing there sells a resource, and USDC sent there is lost.
 */
const PRECOMPILE_LIMIT = 0xffffn;

const UINT256_MAX = 2n ** 256n - 1n;

export type PolicyResult =
  /** amountMicro: the price (`exact`) or the maximum (`upto`): what is reserved. */
  | { ok: true; requirements: PaymentRequirements; amountMicro: Micro }
  | { ok: false; reason: string; askedMicro?: Micro };

const INT8_MAX = 2n ** 63n - 1n;

/**
 * What the first option in USDC on the configured network asked (stored on the refusal's ledger
 * row). An option in another token or on another chain counts in units that are not micro-USDC,
 * so a vendor cannot make the ledger show an invented "asked" price that way.
 */
function askedOf(accepts: unknown[], policy: RequirementsPolicy): Micro | undefined {
  const usdc = accepts.find((a): a is { amount?: unknown } => {
    if (!a || typeof a !== "object") return false;
    const o = a as { network?: unknown; asset?: unknown };
    return (
      o.network === policy.network &&
      typeof o.asset === "string" &&
      o.asset.toLowerCase() === policy.usdcAddress.toLowerCase()
    );
  });
  const amount = usdc?.amount;
  if (typeof amount !== "string" || !/^\d{1,19}$/.test(amount)) return undefined;
  const value = BigInt(amount);
  return value <= INT8_MAX ? value : undefined;
}

/** Checks one payment option; returns the reason it is refused, or undefined. */
function check(req: PaymentRequirements, policy: RequirementsPolicy): string | { amount: Micro } {
  if (!req || typeof req !== "object") return "payment option is not an object";
  if (req.scheme !== "exact" && req.scheme !== "upto") {
    return `scheme ${JSON.stringify(req.scheme)} is not supported (only "exact" and "upto")`;
  }
  if (req.network !== policy.network) {
    return `network ${JSON.stringify(req.network)} is not the configured ${policy.network}`;
  }
  if (typeof req.asset !== "string" || !isAddress(req.asset, { strict: false })) {
    return `asset ${JSON.stringify(req.asset)} is not an address`;
  }
  if (req.asset.toLowerCase() !== policy.usdcAddress.toLowerCase()) {
    return `asset ${req.asset} is not USDC on ${policy.network} (${policy.usdcAddress})`;
  }
  if (typeof req.payTo !== "string" || !isAddress(req.payTo, { strict: false })) {
    return `payTo ${JSON.stringify(req.payTo)} is not an address`;
  }
  const payTo = getAddress(req.payTo);
  if (payTo === zeroAddress) return "payTo is the zero address";
  if (BigInt(payTo) <= PRECOMPILE_LIMIT) return `payTo ${payTo} is a precompile or system address`;
  if (payTo === getAddress(policy.usdcAddress)) return `payTo ${payTo} is the USDC contract itself`;
  if (policy.payerAddress && payTo === getAddress(policy.payerAddress)) {
    return `payTo ${payTo} is the payer's own address`;
  }
  if (typeof req.amount !== "string" || !/^\d+$/.test(req.amount)) {
    return `amount ${JSON.stringify(req.amount)} is not a whole number of atomic units`;
  }
  const amount = BigInt(req.amount);
  if (amount > UINT256_MAX) return "amount does not fit in uint256";
  if (amount === 0n) return "amount is zero";
  if (policy.maxPriceMicro !== undefined && amount > policy.maxPriceMicro) {
    return `amount ${amount} is above the caller's maxPriceUsdc (${policy.maxPriceMicro} micro-USDC)`;
  }
  if (
    typeof req.maxTimeoutSeconds !== "number" ||
    !Number.isInteger(req.maxTimeoutSeconds) ||
    req.maxTimeoutSeconds < 1 ||
    req.maxTimeoutSeconds > policy.maxTimeoutSeconds
  ) {
    return `maxTimeoutSeconds ${JSON.stringify(req.maxTimeoutSeconds)} is outside 1..${policy.maxTimeoutSeconds}`;
  }
  const extra = (req.extra ?? {}) as Record<string, unknown>;
  if (req.scheme === "upto") {
    // `upto`: a Permit2 authorization of at most `amount` (the maximum, checked above against the
    // caller's ceiling exactly as `exact`'s price), settled by the named facilitator only.
    if (extra.assetTransferMethod !== "permit2") {
      return `asset transfer method ${JSON.stringify(extra.assetTransferMethod)} is not allowed for upto (only permit2)`;
    }
    const facilitator = extra.facilitatorAddress;
    if (typeof facilitator !== "string" || !isAddress(facilitator, { strict: false })) {
      return `upto facilitatorAddress ${JSON.stringify(facilitator)} is not an address`;
    }
    if (getAddress(facilitator) === zeroAddress) return "upto facilitatorAddress is the zero address";
    return { amount };
  }
  const method = extra.assetTransferMethod ?? "eip3009";
  if (method !== "eip3009")
    return `asset transfer method ${JSON.stringify(method)} is not allowed (only eip3009)`;
  if (extra.name !== policy.usdcName || extra.version !== policy.usdcVersion) {
    return `EIP-712 domain ${JSON.stringify(extra.name)}/${JSON.stringify(extra.version)} is not USDC's (${policy.usdcName}/${policy.usdcVersion})`;
  }
  return { amount };
}

/**
 * Picks the first option that passes every check. With none, the refusal names why the
 * first one failed (and how many were offered).
 */
export function selectRequirements(required: PaymentRequired, policy: RequirementsPolicy): PolicyResult {
  if (!required || typeof required !== "object")
    return { ok: false, reason: "payment requirements are not an object" };
  if (required.x402Version !== 2)
    return { ok: false, reason: `x402Version ${JSON.stringify(required.x402Version)} is not supported` };
  if (!Array.isArray(required.accepts) || required.accepts.length === 0) {
    return { ok: false, reason: "no payment options (accepts is empty)" };
  }
  const reasons: string[] = [];
  for (const req of required.accepts) {
    const result = check(req, policy);
    if (typeof result !== "string") return { ok: true, requirements: req, amountMicro: result.amount };
    reasons.push(result);
  }
  const askedMicro = askedOf(required.accepts, policy);
  return {
    ok: false,
    ...(askedMicro !== undefined ? { askedMicro } : {}),
    reason:
      reasons.length === 1
        ? (reasons[0] as string)
        : `none of ${reasons.length} options is acceptable: ${reasons.join("; ")}`,
  };
}
