import type { ConnectorChoice } from "./wallet-session";

/**
 * Each connector's button label and what it is, in the console's words: one table for the
 * placeholder drawn before the wallet code loads (wallet-lazy.tsx) and the loaded connect panel.
 * No wallet code here, so the placeholder's first load stays small.
 */
export const CONNECTOR_TEXT: Record<ConnectorChoice, { label: string; hint: string }> = {
  mock: {
    label: "Demo wallet (local chain)",
    hint: "The demo's two accounts: the funding wallet (local USDC) and a second treasury owner; no device needed. Offered only on the local demo network.",
  },
  injected: { label: "Browser wallet", hint: "MetaMask, Rabby, Frame or another wallet in this browser." },
  coinbaseWalletSDK: { label: "Coinbase Wallet", hint: "The Coinbase Wallet app or extension." },
  walletConnect: { label: "WalletConnect", hint: "Ledger Live or a mobile wallet, through a QR code." },
};

/** Which of the console's connectors a wagmi connector is (the demo's by its type), or null for another. */
export function connectorChoice(connector: { id: string; type: string }): ConnectorChoice | null {
  if (connector.type === "mock") return "mock";
  return connector.id in CONNECTOR_TEXT ? (connector.id as ConnectorChoice) : null;
}
