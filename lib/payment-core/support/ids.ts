import { randomBytes } from "node:crypto";

/** Ledger ids look like the seed's (`tx_…`): 96 random bits, hex. */
export function newTransactionId(): string {
  return `tx_${randomBytes(12).toString("hex")}`;
}

/** A payment approval's id (`pa_…`), as the agent polls it: 96 random bits, hex. */
export function newApprovalId(): string {
  return `pa_${randomBytes(12).toString("hex")}`;
}
