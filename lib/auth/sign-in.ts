import "server-only";

// The console's sign-in goes through the domain's (shared with `x402 login`, which cannot import
// a server-only module).
export * from "@/lib/payment-core/access/sign-in";
