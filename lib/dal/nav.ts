import "server-only";
import { and, count, eq, gt } from "drizzle-orm";
import { budgetChangeRequests } from "@/db/schema/budgets";
import { appDb } from "@/lib/server/db";

/**
 * Change requests waiting for an approver (pending and not yet expired), for the navigation's
 * Approvals badge; 0 if the read fails, so a database hiccup never takes the console's frame down.
 * The status index (budget_change_requests_status_idx) serves it.
 */
export async function getPendingApprovalCount(now = new Date()): Promise<number> {
  try {
    const [row] = await appDb()
      .select({ n: count() })
      .from(budgetChangeRequests)
      .where(and(eq(budgetChangeRequests.status, "pending"), gt(budgetChangeRequests.expiresAt, now)));
    return row?.n ?? 0;
  } catch {
    return 0;
  }
}
