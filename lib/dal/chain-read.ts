import "server-only";

// The bounded chain read lives in payment-core, so the CLI reads the wallet as the pages do.
export {
  CHAIN_TIMEOUT_MS,
  type ChainRead,
  readChainBounded,
} from "@/lib/payment-core/treasury/wallet-view";
