import { type Address, getAddress, type Hex, recoverTypedDataAddress, type TypedDataDefinition } from "viem";
import { type ErrorCode, OperationError } from "../support/errors";

/**
 * The checks every owner signature goes through, for a rotation's approval and an owner change
 * alike: recovered under the configured chain id it must be a current owner; recovered under
 * another well-known chain id as an owner, it was signed on the wrong network (said so, with both ids).
 * Each caller names its codes, so a refusal says which message it was about.
 */

/** Chain ids a signature for the wrong network is recognised on (a wallet left on another chain). */
const OTHER_CHAIN_IDS = [1, 8453, 84532, 31337, 10, 137, 42161, 11155111];

export interface SignatureCodes {
  wrongChain: ErrorCode;
  notOwner: ErrorCode;
  notOwnerMessage: string;
}

const lower = (a: string) => a.toLowerCase();

export async function recoverOwnerSigner(
  typedFor: (chainId: number) => TypedDataDefinition,
  signature: Hex,
  chainId: number,
  owners: readonly Address[],
  codes: SignatureCodes,
): Promise<Address> {
  const set = new Set(owners.map(lower));
  const recovered = await recoverTypedDataAddress({ ...typedFor(chainId), signature }).catch(() => null);
  if (recovered && set.has(lower(recovered))) return getAddress(recovered);
  for (const other of OTHER_CHAIN_IDS.filter((c) => c !== chainId)) {
    const signer = await recoverTypedDataAddress({ ...typedFor(other), signature }).catch(() => null);
    if (signer && set.has(lower(signer))) {
      throw new OperationError(codes.wrongChain, `signed for chain ${other}, expected ${chainId}`, {
        expectedChainId: chainId,
        signedChainId: other,
        recoveredSigner: signer,
      });
    }
  }
  throw new OperationError(codes.notOwner, codes.notOwnerMessage, {
    recoveredSigner: recovered,
    owners: [...owners],
  });
}
