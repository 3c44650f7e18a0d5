import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { APPROVAL_COLUMNS, approvalFromRow, type PaymentApproval, type PaymentApprovalStatus } from "./store";

/**
 * Held payments as a person deciding them needs to see them: the request, the agent's spend today
 * and this month (spent and reserved, the held amount included), and what the vendor was paid
 * before (the same resource first).
 */

export const PAYMENT_APPROVAL_STATUSES: readonly PaymentApprovalStatus[] = [
  "pending",
  "approved",
  "denied",
  "expired",
  "used",
];

export interface WindowSpend {
  spentMicro: Micro;
  reservedMicro: Micro;
}

export interface EarlierPrice {
  transactionId: string;
  amountMicro: Micro;
  resourceUrl: string | null;
  /** UTC ISO. */
  completedAt: string | null;
}

export interface PaymentApprovalListItem extends PaymentApproval {
  /** The agent's UTC day and month windows now (budget_usage). */
  today: WindowSpend;
  thisMonth: WindowSpend;
  /** Up to 5 earlier completed payments to the same vendor, the same resource first, newest first. */
  earlierPrices: EarlierPrice[];
}

type ListRow = Parameters<typeof approvalFromRow>[0] & {
  day_spent: bigint;
  day_reserved: bigint;
  month_spent: bigint;
  month_reserved: bigint;
  earlier: { id: string; amount: string; url: string | null; at: string | null }[];
};

export async function listPaymentApprovals(
  db: DbOrTx,
  options: { status?: PaymentApprovalStatus; agentId?: string; limit?: number; now?: Date } = {},
): Promise<PaymentApprovalListItem[]> {
  if (options.status !== undefined && !PAYMENT_APPROVAL_STATUSES.includes(options.status)) {
    throw new InvalidInputError("invalid_status", `status is one of ${PAYMENT_APPROVAL_STATUSES.join(", ")}`);
  }
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit is 1 to 1000");
  }
  const now = (options.now ?? new Date()).toISOString();
  const rows = await db.execute<ListRow>(sql`
    SELECT ${APPROVAL_COLUMNS},
      coalesce(d.spent_micro, 0)::bigint AS day_spent, coalesce(d.reserved_micro, 0)::bigint AS day_reserved,
      coalesce(m.spent_micro, 0)::bigint AS month_spent, coalesce(m.reserved_micro, 0)::bigint AS month_reserved,
      (SELECT coalesce(json_agg(json_build_object('id', p.id, 'amount', p.amount_micro::text, 'url', p.resource_url,
          'at', p.completed_at) ORDER BY p.same DESC, p.completed_at DESC), '[]'::json)
        FROM (SELECT e.id, e.amount_micro, e.resource_url, e.completed_at,
            (e.resource_url IS NOT DISTINCT FROM a.resource_url) AS same
          FROM transactions e
          WHERE e.status = 'completed' AND e.vendor = a.vendor AND e.id <> a.transaction_id
          ORDER BY same DESC, e.completed_at DESC NULLS LAST LIMIT 5) AS p) AS earlier
    FROM payment_approvals a
    JOIN transactions t ON t.id = a.transaction_id
    LEFT JOIN budget_usage d ON d.agent_id = a.agent_id AND d.period = 'day'
      AND d.period_start = (${now}::timestamptz AT TIME ZONE 'UTC')::date
    LEFT JOIN budget_usage m ON m.agent_id = a.agent_id AND m.period = 'month'
      AND m.period_start = date_trunc('month', ${now}::timestamptz AT TIME ZONE 'UTC')::date
    WHERE (${options.status ?? null}::text IS NULL OR a.status::text = ${options.status ?? null}::text)
      AND (${options.agentId ?? null}::text IS NULL OR a.agent_id = ${options.agentId ?? null}::text)
    ORDER BY a.requested_at DESC, a.id
    LIMIT ${limit}`);
  return rows.map((r) => ({
    ...approvalFromRow(r),
    today: { spentMicro: r.day_spent, reservedMicro: r.day_reserved },
    thisMonth: { spentMicro: r.month_spent, reservedMicro: r.month_reserved },
    earlierPrices: r.earlier.map((e) => ({
      transactionId: e.id,
      amountMicro: BigInt(e.amount),
      resourceUrl: e.url,
      completedAt: e.at,
    })),
  }));
}
