import { type Chain, defineChain } from "viem";
import { base, baseSepolia } from "viem/chains";
import {
  type Config,
  type CreateConnectorFn,
  cookieStorage,
  createConfig,
  createStorage,
  http,
  injected,
} from "wagmi";
import { coinbaseWallet } from "wagmi/connectors/coinbaseWallet";
import { walletConnect } from "wagmi/connectors/walletConnect";
import type { WalletSetup } from "@/lib/dal/fundings";
import { demoWallet } from "./demo-wallet-connector";

/**
 * The treasury pages' wagmi setup, from the server's public wallet setup. Shared by every page
 * under /treasury that talks to a wallet (funding now, key rotation later): it lives here, and
 * each such page's layout wraps itself in `TreasuryWalletProvider`.
 *
 * - Chains: the configured network first (what the wallet should be on), then Base and Base
 *   Sepolia; the local demo chain only when it is the configured one, with its loopback RPC.
 *   Base's reads go to its public RPC, never to X402_RPC_URL (which may carry an API key).
 * - Connectors: any injected browser wallet (MetaMask, Rabby, Frame; also how Ledger and Trezor
 *   are used from a browser), each EIP-6963 wallet by name, Coinbase Wallet, WalletConnect when
 *   a project id is configured, and on the local chain only the demo's mock wallet.
 * - SSR: cookie storage, so the server renders the page in the state the browser will hydrate
 *   (`cookieToInitialState`), and no hydration warning.
 */

function localChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: "Local demo chain",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
    testnet: true,
  });
}

export function walletChains(setup: WalletSetup): [Chain, ...Chain[]] {
  const known: Chain[] = [base, baseSepolia];
  if (setup.localRpcUrl) known.push(localChain(setup.chainId, setup.localRpcUrl));
  const configured = known.find((c) => c.id === setup.chainId);
  const rest = known.filter((c) => c !== configured);
  return configured ? [configured, ...rest] : [base, baseSepolia];
}

/** The configured network's chain name, for the wrong-chain prompt. */
export function chainName(setup: WalletSetup, chainId: number): string {
  return walletChains(setup).find((c) => c.id === chainId)?.name ?? `chain ${chainId}`;
}

export function createWalletConfig(setup: WalletSetup): Config {
  const chains = walletChains(setup);
  const connectors: CreateConnectorFn[] = [];
  if (setup.mockAccounts.length > 0) {
    connectors.push(demoWallet(setup.mockAccounts));
  }
  connectors.push(injected({ shimDisconnect: true }));
  connectors.push(coinbaseWallet({ appName: "x402 operations console", preference: { options: "all" } }));
  if (setup.walletConnectProjectId) {
    connectors.push(
      walletConnect({
        projectId: setup.walletConnectProjectId,
        showQrModal: true,
        metadata: {
          name: "x402 operations console",
          description: "Fund the payer wallet",
          url: typeof window === "undefined" ? "https://localhost" : window.location.origin,
          icons: [],
        },
      }),
    );
  }
  return createConfig({
    chains,
    connectors,
    transports: Object.fromEntries(chains.map((c) => [c.id, http()])),
    ssr: true,
    storage: createStorage({ storage: cookieStorage }),
    // Confirmations are followed block by block: poll each second, not every 4 s.
    pollingInterval: 1_000,
  });
}
