/**
 * The demo's funding wallet: anvil's well-known account #4 (mnemonic "test test … junk"), which
 * the local network mints USDC to and anvil unlocks. The Fund page offers it through wagmi's mock
 * connector only when the configured network is the local chain, so `npm run demo` and the
 * browser tests can fund the payer without a device. Public knowledge: never holds value.
 */
export const DEMO_FUNDING_WALLET = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65" as const;

/**
 * Anvil's account #5: the demo's second treasury owner. scripts/localnet names both as
 * X402_TREASURY_OWNERS (quorum 2), and the mock connector holds both accounts, so one person at the
 * demo signs as one owner, switches account, and signs as the other.
 */
export const DEMO_CO_OWNER_WALLET = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc" as const;

/** The mock wallet's accounts, in the order offered: the funding wallet (owner A) first, then owner B. */
export const DEMO_WALLET_ACCOUNTS = [DEMO_FUNDING_WALLET, DEMO_CO_OWNER_WALLET] as const;

/** The local demo chain (anvil): the only network where the mock wallet and its RPC URL reach the browser. */
export const LOCAL_NETWORK = "eip155:31337" as const;

export function isLocalNetwork(network: string): boolean {
  return network === LOCAL_NETWORK;
}
