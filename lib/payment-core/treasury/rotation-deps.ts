import type { Address } from "viem";
import type { Database } from "@/db/client";
import type { CoreEnv } from "../config";
import { OperationError } from "../errors";
import type { PaymentService } from "../x402/service";
import { effectiveOwners } from "./owners";
import type { RotationDeps } from "./rotation";

/**
 * The rotation's dependencies from the process's configuration and its payment service: the test
 * payment goes through the same payer config as every payment, and completing a rotation clears
 * the service's key cache so this process's next payment signs with the new key at once. The owners
 * whose approval counts are X402_TREASURY_OWNERS (`envOwners`) and the console's active ones.
 */
export function rotationDeps(
  db: Database,
  env: CoreEnv,
  envOwners: readonly Address[],
  service: PaymentService,
): RotationDeps {
  const p = env.payments;
  if (!p.usdcAddress) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_USDC_ADDRESS (or use a network with a known USDC) to rotate",
    );
  }
  return {
    db,
    publicClient: service.publicClient,
    rpcUrl: p.rpcUrl,
    chainId: p.chainId,
    network: p.network,
    usdcAddress: p.usdcAddress,
    usdcName: p.usdcName,
    usdcVersion: p.usdcVersion,
    // Read at each approval, so an owner an admin added or removed a moment ago counts at once.
    owners: () => effectiveOwners(db, envOwners),
    envKey: p.payerPrivateKey,
    engine: service.engine,
    payerFor: (account) => service.payerFor(account),
    onPayerChanged: () => service.payerKeys.invalidate(),
  };
}
