import type { Address, Hex } from "viem";
import { LOCAL_CHAIN_ID, startAnvil } from "./chain";
import { type FacilitatorServer, startFacilitator } from "./facilitator";
import { approvePermit2, installPermit2 } from "./permit2-install";
import { deployUsdc, findDeployedUsdc, installMulticall3, type UsdcReader, usdcReader } from "./usdc";
import { type DemoRoute, type DemoVendors, startDemoVendors } from "./vendors";

/**
 * The whole local payment network: a real chain (anvil), Circle's real USDC contract, the
 * official x402 facilitator over HTTP and x402-protected demo vendors. Used by the demo, the
 * tests and the benchmarks; production swaps only URLs and keys.
 */

export {
  type AnvilNode,
  anvilBinaryPath,
  type DevAccount,
  devAccounts,
  LOCAL_CHAIN_ID,
  localChain,
  STATE_DUMP_GRACE_MS,
  startAnvil,
} from "./chain";
export { DiscoveryCatalog } from "./discovery";
export {
  createFacilitatorApp,
  createLocalFacilitator,
  type FacilitatorServer,
  startFacilitator,
} from "./facilitator";
export { MULTICALL3_ADDRESS } from "./multicall3";
export {
  approvePermit2,
  installPermit2,
  PERMIT2_ADDRESS,
  permit2Abi,
  UPTO_PROXY_ADDRESS,
} from "./permit2-install";
export {
  deployUsdc,
  findDeployedUsdc,
  installMulticall3,
  USDC_DECIMALS,
  USDC_NAME,
  USDC_VERSION,
  type UsdcReader,
  usdcAbi,
  usdcReader,
} from "./usdc";
export {
  createDemoVendorApp,
  DEMO_ROUTES,
  type DemoRoute,
  type DemoRoutePath,
  type DemoVendors,
  demoRoute,
  discoveryResources,
  METERED_MAX_MICRO,
  METERED_ROUTE,
  meteredUnits,
  startDemoVendors,
} from "./vendors";

export interface LocalNetwork {
  chainId: number;
  /** CAIP-2 id, as x402 payment requirements name the network. */
  network: `eip155:${number}`;
  rpcUrl: string;
  usdcAddress: Address;
  facilitatorUrl: string;
  vendorUrl: string;
  /** Anvil's well-known test key #2, funded with USDC. Local only. */
  payer: { address: Address; privateKey: Hex };
  /** Receives the vendors' payments (anvil account #3). */
  payee: Address;
  /** The demo's funding wallet (anvil account #4, the Fund page's mock wallet), holding USDC. */
  funder: Address;
  /**
   * The demo's treasury owners: the funder (#4) and anvil account #5, both accounts of the mock
   * wallet, so a rotation or an owner change gets its quorum of two without a device.
   */
  owners: [Address, Address];
  /** Submits settlements and pays their gas (anvil account #1). */
  facilitatorAccount: Address;
  /** Stop and restart it to simulate "facilitator down"; the URL stays the same. */
  facilitator: FacilitatorServer;
  vendors: DemoVendors;
  routes: (DemoRoute & { url: string })[];
  usdc: UsdcReader;
  /**
   * The chain came from `stateFile` (a restart): USDC and every balance are as the last stop
   * left them; nothing was deployed or minted this time.
   */
  restored: boolean;
  /** anvil's state file (loaded at start, written on stop); null when the chain lives in memory only. */
  stateFile: string | null;
  /** Milliseconds each start-up step took. */
  timings: { anvilMs: number; usdcMs: number; facilitatorMs: number; vendorsMs: number; totalMs: number };
  /** Stops vendors, facilitator and chain, in that order. */
  stop(): Promise<void>;
}

/**
 * The console's payment settings for this network, as environment variables: its chain, USDC,
 * payer and facilitator, and the demo vendors' loopback host:port added to the private-host
 * allowlist the operator gave (the payer otherwise refuses loopback; the chain, facilitator and
 * console stay out).
 */
export function consolePaymentEnv(
  network: LocalNetwork,
  options: { allowedPrivateHosts?: readonly string[] } = {},
): Record<string, string> {
  // The operator's own entries (X402_ALLOWED_PRIVATE_HOSTS, parsed by lib/env.ts) stay; the
  // demo vendors' are added to them.
  const hosts = [...(options.allowedPrivateHosts ?? []), ...network.routes.map((r) => new URL(r.url).host)];
  return {
    X402_NETWORK: network.network,
    X402_RPC_URL: network.rpcUrl,
    X402_USDC_ADDRESS: network.usdcAddress,
    X402_PAYER_PRIVATE_KEY: network.payer.privateKey,
    X402_WALLET_ADDRESS: network.payer.address,
    X402_FACILITATOR_URL: network.facilitatorUrl,
    X402_ALLOWED_PRIVATE_HOSTS: [...new Set(hosts)].join(","),
    // Two treasury owners, both accounts of the demo's mock wallet (anvil #4, the funding wallet,
    // and #5): the default quorum of two, so a rotation runs end to end without a device.
    X402_TREASURY_OWNERS: network.owners.join(","),
  };
}

export interface StartLocalNetworkOptions {
  /** micro-USDC minted to the payer. Default 500 USDC. */
  payerFundingMicro?: bigint;
  /** micro-USDC minted to the funding wallet (anvil #4). Default 1 000 USDC. */
  funderMicro?: bigint;
  chainId?: number;
  /** /slow's delay in ms (default 1500). */
  slowMs?: number;
  /**
   * anvil's state file (see StartAnvilOptions.stateFile): loaded when it exists, written on
   * stop. A loaded chain keeps its USDC (same address) and balances: nothing is redeployed or
   * minted again.
   */
  stateFile?: string;
  /** The /busy route answers 503 to every Nth unpaid request (default 3; 0 never). */
  busyEvery?: number;
  log?: (line: string) => void;
}

export async function startLocalNetwork(options: StartLocalNetworkOptions = {}): Promise<LocalNetwork> {
  const log = options.log;
  const started = performance.now();
  let mark = started;
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };

  // Order: chain, USDC (+ Multicall3), facilitator, vendors. A vendor created before its
  // facilitator answers cannot price its routes.
  const anvil = await startAnvil({
    chainId: options.chainId ?? LOCAL_CHAIN_ID,
    stateFile: options.stateFile,
  });
  const anvilMs = lap();
  const cleanup: (() => Promise<void>)[] = [() => anvil.stop()];
  const unwind = async () => {
    for (const stop of cleanup.reverse()) await stop().catch(() => {});
  };

  try {
    const { deployer, facilitator: facilitatorKey, payer, vendor, funder, coOwner } = anvil.accounts;
    log?.(
      `anvil ${anvil.rpcUrl} chain ${anvil.chainId}${anvil.restored ? `, restored from ${anvil.stateFile}` : ""} (${anvilMs} ms)`,
    );

    await installMulticall3(anvil.rpcUrl, anvil.chainId);
    const existing = anvil.restored
      ? await findDeployedUsdc({
          rpcUrl: anvil.rpcUrl,
          chainId: anvil.chainId,
          deployer: deployer.address,
          source: anvil.stateFile ?? undefined,
        })
      : null;
    const usdcAddress =
      existing ??
      (await deployUsdc({
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        deployerKey: deployer.privateKey,
        mint: [
          { to: payer.address, amountMicro: options.payerFundingMicro ?? 500_000_000n },
          { to: funder.address, amountMicro: options.funderMicro ?? 1_000_000_000n },
        ],
      }));
    // The `upto` scheme: canonical Permit2 and the x402 upto proxy, and the payer's one-time
    // USDC allowance to Permit2 (kept in a restored state; approvePermit2 skips it then).
    await installPermit2(anvil.rpcUrl, anvil.chainId);
    await approvePermit2({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      usdcAddress,
      ownerKey: payer.privateKey,
    });
    const usdcMs = lap();
    log?.(`USDC ${usdcAddress}${existing ? " (as deployed before; balances kept)" : ""} (${usdcMs} ms)`);

    const facilitator = await startFacilitator({
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      privateKey: facilitatorKey.privateKey,
      log,
    });
    cleanup.push(() => facilitator.stop());
    const facilitatorMs = lap();

    const vendors = await startDemoVendors({
      facilitatorUrl: facilitator.url,
      chainId: anvil.chainId,
      usdcAddress,
      payTo: vendor.address,
      slowMs: options.slowMs,
      busyEvery: options.busyEvery,
    });
    cleanup.push(() => vendors.stop());
    // The facilitator's discovery list (Bazaar) names the demo vendors' routes from the start.
    facilitator.discovery.register(vendors.discovery);
    const vendorsMs = lap();
    const totalMs = Math.round(performance.now() - started);
    log?.(`vendors ${vendors.url} (${vendorsMs} ms); network up in ${totalMs} ms`);

    let stopping: Promise<void> | undefined;
    return {
      chainId: anvil.chainId,
      network: `eip155:${anvil.chainId}`,
      rpcUrl: anvil.rpcUrl,
      usdcAddress,
      facilitatorUrl: facilitator.url,
      vendorUrl: vendors.url,
      payer: { address: payer.address, privateKey: payer.privateKey },
      payee: vendor.address,
      funder: funder.address,
      owners: [funder.address, coOwner.address],
      facilitatorAccount: facilitator.address,
      facilitator,
      vendors,
      routes: vendors.routes,
      usdc: usdcReader({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, address: usdcAddress }),
      restored: existing !== null,
      stateFile: anvil.stateFile,
      timings: { anvilMs, usdcMs, facilitatorMs, vendorsMs, totalMs },
      stop() {
        stopping ??= unwind();
        return stopping;
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
