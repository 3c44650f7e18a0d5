/** `x402 backup` and `x402 restore`: backup.ts writes a file, restore.ts checks and loads one. */
export * from "./backup";
export * from "./restore";
