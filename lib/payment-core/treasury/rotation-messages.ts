import { getAddress, type Hex } from "viem";

/**
 * The two EIP-712 messages of a payer-key rotation, as the server verifies them and as the page
 * hands them to a wallet to sign.
 *
 * Domain: name "x402 treasury", version "1", the configured network's chainId, and no
 * verifyingContract: no contract verifies these messages, and naming USDC's address would
 * suggest USDC does. What binds a signature to one rotation is the nonce (32 random bytes, unique
 * per rotation in the database); the chainId keeps a mainnet approval from serving on a testnet.
 */

export const ROTATION_DOMAIN = { name: "x402 treasury", version: "1" } as const;

export const PROOF_TYPES = {
  ProvePayerControl: [
    { name: "wallet", type: "address" },
    { name: "rotationId", type: "string" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export const APPROVAL_TYPES = {
  RotatePayerWallet: [
    { name: "oldWallet", type: "address" },
    { name: "newWallet", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

interface RotationFields {
  id: string;
  oldWallet: string;
  newWallet: string;
  nonce: string;
  deadline: Date;
}

const domain = (chainId: number) => ({ ...ROTATION_DOMAIN, chainId });

/** What the NEW wallet signs to prove its key is held by whoever registered it. */
export function proofTypedData(r: RotationFields, chainId: number) {
  return {
    domain: domain(chainId),
    types: PROOF_TYPES,
    primaryType: "ProvePayerControl" as const,
    message: { wallet: getAddress(r.newWallet), rotationId: r.id, nonce: r.nonce as Hex },
  };
}

/** What a treasury owner signs to approve the rotation; `deadline` is unix seconds. */
export function approvalTypedData(r: RotationFields, chainId: number) {
  return {
    domain: domain(chainId),
    types: APPROVAL_TYPES,
    primaryType: "RotatePayerWallet" as const,
    message: {
      oldWallet: getAddress(r.oldWallet),
      newWallet: getAddress(r.newWallet),
      nonce: r.nonce as Hex,
      deadline: BigInt(Math.floor(r.deadline.getTime() / 1000)),
    },
  };
}

/** What a treasury owner signs to add or remove an owner (owner-proposals.ts); same domain as above. */
export const OWNER_CHANGE_TYPES = {
  ChangeTreasuryOwner: [
    { name: "action", type: "string" },
    { name: "owner", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

interface ProposalFields {
  action: string;
  address: string;
  nonce: string;
  deadline: Date;
}

/** ChangeTreasuryOwner { action: "add" | "remove", owner, nonce, deadline (unix seconds) }. */
export function ownerChangeTypedData(p: ProposalFields, chainId: number) {
  return {
    domain: domain(chainId),
    types: OWNER_CHANGE_TYPES,
    primaryType: "ChangeTreasuryOwner" as const,
    message: {
      action: p.action,
      owner: getAddress(p.address),
      nonce: p.nonce as Hex,
      deadline: BigInt(Math.floor(p.deadline.getTime() / 1000)),
    },
  };
}
