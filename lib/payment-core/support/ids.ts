import { randomBytes } from "node:crypto";

/** Ledger ids look like the seed's (`tx_…`): 96 random bits, hex. */
export function newTransactionId(): string {
  return `tx_${randomBytes(12).toString("hex")}`;
}
