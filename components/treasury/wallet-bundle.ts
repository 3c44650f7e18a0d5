/**
 * Everything on the treasury pages that needs wagmi, in one chunk that `wallet-session.tsx`
 * imports when the person connects (never among a page's first-load scripts).
 */

export { ConnectPanel } from "./connect-panel";
export { FundForm } from "./fund-form";
export { SignProposalForm } from "./owners/sign-proposal-form";
export { ApproveStep } from "./rotation-approve";
export { TreasuryWalletProvider } from "./wallet-provider";
