import type { Role } from "./users";

/**
 * The least role each state change needs, for the console's server actions and the CLI alike (one
 * table, so the two cannot drift apart). Reading needs a signed-in viewer in the console and
 * database access alone in the CLI.
 */
export const OPERATION_ROLES = {
  "limits.set": "operator",
  "limits.request_monthly": "operator",
  "approvals.decide": "approver",
  // A payment held above its agent's approval threshold (lib/payment-core/payment-approvals/):
  // approving or denying it is an approver's.
  "payment_approvals.decide": "approver",
  // An agent's approval threshold. Lowering it (or setting one where none applied) holds more
  // payments: an operator may. Raising or clearing it holds fewer, so one operator could switch the
  // control off: that needs an approver (thresholdChangeOperation below picks the one that applies).
  "agents.approval_threshold": "operator",
  "agents.approval_threshold_loosen": "approver",
  // A fleet or per-vendor cap (lib/payment-core/budgets/caps.ts): tightening one (lower, or a new
  // cap) is an operator's; raising or removing one lets more be spent: an approver's.
  "budgets.caps": "operator",
  "budgets.caps_loosen": "approver",
  "kill_switch.set": "operator",
  "agents.set_status": "operator",
  "agents.vendor_policy": "operator",
  // A vendor's new payTo (the vendor catalog's pin): from then on the payer pays it there. As the
  // vendor allowlist, an operator's; never break-glass (it is the answer to a redirect alert).
  "vendors.accept_payto": "operator",
  // A new agent or API key is a new way to spend: admin, as users and treasury changes.
  "agents.add": "admin",
  "agents.rotate_key": "admin",
  "alerts.acknowledge": "operator",
  "audits.run": "operator",
  "reconciliation.run": "operator",
  "settlements.resolve": "operator",
  // Tracking a refund of a payment taken but not served: requested, refunded, written off.
  "ledger.refund": "operator",
  "jobs.run": "operator",
  "treasury.fund": "operator",
  "treasury.owners": "admin",
  "treasury.rotation": "admin",
  "users.manage": "admin",
  "ledger.import": "admin",
  "database.restore": "admin",
  "database.seed_demo": "admin",
  // Personal CLI tokens: everyone makes and revokes their own (the CLI tokens page, x402 login and
  // logout); seeing, making or revoking another user's is an admin's.
  "cli_tokens.own": "viewer",
  "cli_tokens.others": "admin",
} as const satisfies Record<string, Role>;

export type Operation = keyof typeof OPERATION_ROLES;

export function requiredRole(operation: Operation): Role {
  return OPERATION_ROLES[operation];
}

/**
 * The operation an approval threshold change is: loosening (the effective threshold goes up, or
 * away) needs `agents.approval_threshold_loosen`; tightening or no change needs
 * `agents.approval_threshold`. `before` and `after` are the effective thresholds in micro-USDC (the
 * console's value, else the environment's), null when no payment is held.
 */
export function thresholdChangeOperation(
  before: bigint | null,
  after: bigint | null,
): "agents.approval_threshold" | "agents.approval_threshold_loosen" {
  const loosens = before !== null && (after === null || after > before);
  return loosens ? "agents.approval_threshold_loosen" : "agents.approval_threshold";
}

/**
 * What `x402 --break-glass` (database access, no sign-in) may never do: decide a budget change
 * request or a held payment (that needs a person, signed in), loosen an agent's approval
 * threshold (that switches that person off), accept a vendor's new payTo (where the money goes),
 * or change who may approve a treasury rotation.
 */
export const BREAK_GLASS_REFUSED: ReadonlySet<Operation> = new Set<Operation>([
  "approvals.decide",
  "payment_approvals.decide",
  "agents.approval_threshold_loosen",
  "budgets.caps_loosen",
  "vendors.accept_payto",
  "treasury.owners",
]);
