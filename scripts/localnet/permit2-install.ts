import { PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress } from "@x402/evm";
import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  maxUint256,
  parseAbi,
  toHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localChain } from "./chain";
import { PERMIT2_BUILD, UPTO_PROXY_BUILD } from "./permit2";

/**
 * Canonical Permit2 and the x402 `upto` proxy on the local chain. The `upto` scheme's payer
 * signs a Permit2 witness transfer whose spender is x402UptoPermit2Proxy; the facilitator calls
 * the proxy, which asks Permit2 to move at most the signed maximum. Both contracts must sit at
 * their canonical addresses because the SDK hard-codes them (the EIP-712 domain names Permit2's
 * address; the signed spender is the proxy's).
 *
 * The code comes from the vendored published sources (scripts/localnet/contracts/SOURCES.md),
 * compiled once by contracts/build-permit2.ts. `anvil_setCode` installs runtime code without
 * running a constructor, so the immutables the constructors would set are written here:
 * Permit2's cached chain id and EIP-712 domain separator (computed for the canonical address,
 * as a CREATE2 deployment there yields) and the proxy's PERMIT2 address. The proxy's
 * constructor also writes OpenZeppelin's ReentrancyGuard slot (NOT_ENTERED = 1); it is set too.
 */

export { PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress as UPTO_PROXY_ADDRESS };

/** OpenZeppelin ReentrancyGuard's ERC-7201 slot: keccak256(abi.encode(uint256(keccak256("openzeppelin.storage.ReentrancyGuard")) - 1)) & ~0xff. */
const REENTRANCY_GUARD_SLOT = "0x9b779b17422d0df92223018b32b4d1fa46e071723d6817e2486d003becc55f00" as const;

export const permit2Abi = parseAbi([
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)",
  "function invalidateUnorderedNonces(uint256 wordPos, uint256 mask)",
  "event UnorderedNonceInvalidation(address indexed owner, uint256 word, uint256 mask)",
]);

const erc20ApproveAbi = parseAbi([
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 value) returns (bool)",
]);

type Immutables = Record<string, readonly { start: number; length: number }[]>;

function fill(runtime: Hex, immutables: Immutables, values: Record<string, Hex>): Hex {
  let code = runtime.slice(2);
  for (const [name, refs] of Object.entries(immutables)) {
    const value = values[name];
    if (!value) throw new Error(`no value for immutable ${name}`);
    const word = value.slice(2).padStart(64, "0");
    for (const { start, length } of refs) {
      if (length !== 32) throw new Error(`immutable ${name} is ${length} bytes, expected 32`);
      code = code.slice(0, start * 2) + word + code.slice((start + length) * 2);
    }
  }
  return `0x${code}`;
}

/** Permit2's domain separator on `chainId`, exactly as its EIP712 constructor computes it at the canonical address. */
export function permit2DomainSeparator(chainId: number): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [
        keccak256(toHex("EIP712Domain(string name,uint256 chainId,address verifyingContract)")),
        keccak256(toHex("Permit2")),
        BigInt(chainId),
        PERMIT2_ADDRESS,
      ],
    ),
  );
}

export function permit2RuntimeCode(chainId: number): Hex {
  return fill(PERMIT2_BUILD.runtime, PERMIT2_BUILD.immutables, {
    _CACHED_CHAIN_ID: toHex(BigInt(chainId)),
    _CACHED_DOMAIN_SEPARATOR: permit2DomainSeparator(chainId),
  });
}

export function uptoProxyRuntimeCode(): Hex {
  return fill(UPTO_PROXY_BUILD.runtime, UPTO_PROXY_BUILD.immutables, { PERMIT2: PERMIT2_ADDRESS });
}

/** Installs Permit2 and x402UptoPermit2Proxy at their canonical addresses. Idempotent. */
export async function installPermit2(rpcUrl: string, chainId: number): Promise<void> {
  const client = createTestClient({
    mode: "anvil",
    chain: localChain(rpcUrl, chainId),
    transport: http(rpcUrl),
  });
  await client.setCode({ address: PERMIT2_ADDRESS, bytecode: permit2RuntimeCode(chainId) });
  await client.setCode({ address: x402UptoPermit2ProxyAddress, bytecode: uptoProxyRuntimeCode() });
  await client.setStorageAt({
    address: x402UptoPermit2ProxyAddress,
    index: REENTRANCY_GUARD_SLOT,
    value: toHex(1n, { size: 32 }),
  });
}

/**
 * The one-time step of a Permit2 wallet: let Permit2 pull the wallet's USDC (unlimited
 * ERC-20 allowance to Permit2, the usual Permit2 set-up). Permit2 itself moves nothing
 * without a signed, single-use, amount-capped permit. The payer needs a little ETH for this
 * transaction, which the local chain's accounts have (and which is refunded here). Skipped when
 * the allowance is already there (a restored chain).
 */
export async function approvePermit2(options: {
  rpcUrl: string;
  chainId: number;
  usdcAddress: Address;
  ownerKey: Hex;
}): Promise<Hex | null> {
  const account = privateKeyToAccount(options.ownerKey);
  const chain = localChain(options.rpcUrl, options.chainId);
  const wallet = createWalletClient({ account, chain, transport: http(options.rpcUrl) });
  const reader = createPublicClient({ chain, transport: http(options.rpcUrl) });
  const allowance = await reader.readContract({
    address: options.usdcAddress,
    abi: erc20ApproveAbi,
    functionName: "allowance",
    args: [account.address, PERMIT2_ADDRESS],
  });
  if (allowance >= maxUint256 / 2n) return null;
  const gasBefore = await reader.getBalance({ address: account.address });
  const hash = await wallet.writeContract({
    address: options.usdcAddress,
    abi: erc20ApproveAbi,
    functionName: "approve",
    args: [PERMIT2_ADDRESS, maxUint256],
  });
  await reader.waitForTransactionReceipt({ hash });
  // The local chain gives the set-up's gas back, so the payer starts with anvil's round 10,000 ETH
  // (what the demo's wallet card and its tests show).
  const test = createTestClient({ mode: "anvil", chain, transport: http(options.rpcUrl) });
  await test.setBalance({ address: account.address, value: gasBefore });
  return hash;
}
