export * from "./agents";
export * from "./audit";
export * from "./budgets";
export * from "./operations";
export * from "./settings";
export * from "./transactions";
export * from "./users";
export * from "./wallets";
