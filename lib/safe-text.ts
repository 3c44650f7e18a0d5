/**
 * Safe text lives with the domain (lib/payment-core/support/safe-text.ts), which checks imported ledger
 * lines and sign-in addresses with it too; boundaries outside payment-core import it from here.
 */
export * from "@/lib/payment-core/support/safe-text";
