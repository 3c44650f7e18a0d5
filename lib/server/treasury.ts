import "server-only";
import { createPublicClient, http, type PublicClient } from "viem";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import { OperationError } from "@/lib/payment-core/support/errors";
import type { FundingDeps } from "@/lib/payment-core/treasury/funding";
import { type OwnerDeps, ownerDeps } from "@/lib/payment-core/treasury/owners";
import { envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
import type { RotationDeps } from "@/lib/payment-core/treasury/rotation";
import { rotationDeps } from "@/lib/payment-core/treasury/rotation-deps";
import { paymentService } from "./payments";
import { services } from "./services";

/** What the treasury's actions (fund, owners, rotation) run with in this process. */

/** What recording a funding verifies against: the configured network, its USDC and the payer. */
export function fundingDeps(db: Database): FundingDeps {
  const config = env();
  const p = config.payments;
  if (!p.usdcAddress) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_USDC_ADDRESS (or use a network with a known USDC) to fund the payer",
    );
  }
  services.fundingClient ??= createPublicClient({
    transport: http(p.rpcUrl, { timeout: 15_000, retryCount: 1 }),
  }) as PublicClient;
  return {
    db,
    client: services.fundingClient,
    network: p.network,
    usdcAddress: p.usdcAddress,
    // recordFunding checks against the payer now: the active payer wallet, else this.
    payerAddress: envPayerAddress(p),
    requiredConfirmations: config.treasury.fundingConfirmations,
  };
}

/** What the propose and sign actions check against: the recorded owners, the quorum and the payer. */
export function treasuryOwnerDeps(db: Database): OwnerDeps {
  return ownerDeps(db, env());
}

/**
 * The rotation's dependencies from this process's configuration and its one payment service (so
 * completing a rotation clears the key cache the API signs with).
 */
export function appRotationDeps(db: Database): RotationDeps {
  const config = env();
  return rotationDeps(db, config, config, paymentService());
}
