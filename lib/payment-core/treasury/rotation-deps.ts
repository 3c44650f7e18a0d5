import type { Database } from "@/db/client";
import type { CoreEnv } from "../support/config";
import { OperationError } from "../support/errors";
import type { PaymentService } from "../x402/service";
import { ensureOwnerSet, type OwnerConfig } from "./owners";
import type { RotationDeps } from "./rotation";

/**
 * The rotation's dependencies from the process's configuration and its payment service: the test
 * payment goes through the same payer config as every payment, and completing a rotation clears
 * the service's key cache so this process's next payment signs with the new key at once. The owners
 * whose approval counts are the recorded ones (X402_TREASURY_OWNERS is recorded once, as the initial set).
 */
export function rotationDeps(
  db: Database,
  env: CoreEnv,
  ownerConfig: OwnerConfig,
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
    // Read at each approval, so an owner change enacted a moment ago counts at once.
    ownerSet: () => ensureOwnerSet(db, ownerConfig),
    envKey: p.payerPrivateKey,
    engine: service.engine,
    payerFor: (account) => service.payerFor(account),
    onPayerChanged: () => service.payerKeys.invalidate(),
  };
}
