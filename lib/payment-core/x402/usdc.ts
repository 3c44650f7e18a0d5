import { type Address, type Hex, type PublicClient, parseAbi, parseAbiItem } from "viem";
import type { Micro } from "../support/money";

/** The slice of Circle's FiatToken (USDC) the payer reads. */
export const usdcReadAbi = parseAbi([
  "function balanceOf(address account) view returns (uint256)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "function name() view returns (string)",
  "function version() view returns (string)",
]);

const AUTHORIZATION_USED = parseAbiItem(
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
);

/** USDC balance of `owner` on chain, in micro-USDC. */
export async function getUsdcBalance(client: PublicClient, usdc: Address, owner: Address): Promise<Micro> {
  return client.readContract({ address: usdc, abi: usdcReadAbi, functionName: "balanceOf", args: [owner] });
}

/** Whether an EIP-3009 authorization nonce has been used (settled) on chain. */
export async function isAuthorizationUsed(
  client: PublicClient,
  usdc: Address,
  authorizer: Address,
  nonce: Hex,
): Promise<boolean> {
  return client.readContract({
    address: usdc,
    abi: usdcReadAbi,
    functionName: "authorizationState",
    args: [authorizer, nonce],
  });
}

/** The transaction that used an authorization nonce, found from USDC's AuthorizationUsed event. */
export async function findAuthorizationTx(
  client: PublicClient,
  usdc: Address,
  authorizer: Address,
  nonce: Hex,
  fromBlock: bigint,
): Promise<Hex | null> {
  const logs = await client.getLogs({
    address: usdc,
    event: AUTHORIZATION_USED,
    args: { authorizer, nonce },
    fromBlock,
  });
  return logs[0]?.transactionHash ?? null;
}
