import "server-only";
import { and, count, eq, gt } from "drizzle-orm";
import { budgetChangeRequests } from "@/db/schema/budgets";
import { paymentApprovals } from "@/db/schema/payment-approvals";
import { appDb } from "@/lib/server/db";

/**
 * What waits for an approver on /approvals, for the navigation's Approvals badge: change requests
 * and held payments, each pending and not yet expired; 0 if the read fails, so a database hiccup
 * never takes the console's frame down. The status indexes (budget_change_requests_status_idx,
 * payment_approvals_status_expires_idx) serve both counts.
 */
export async function getPendingApprovalCount(now = new Date()): Promise<number> {
  try {
    const db = appDb();
    const [requests, payments] = await Promise.all([
      db
        .select({ n: count() })
        .from(budgetChangeRequests)
        .where(and(eq(budgetChangeRequests.status, "pending"), gt(budgetChangeRequests.expiresAt, now))),
      db
        .select({ n: count() })
        .from(paymentApprovals)
        .where(and(eq(paymentApprovals.status, "pending"), gt(paymentApprovals.expiresAt, now))),
    ]);
    return (requests[0]?.n ?? 0) + (payments[0]?.n ?? 0);
  } catch {
    return 0;
  }
}
