import { and, desc, eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { payerRotations, wallets } from "@/db/schema";
import type { Condition } from "../alerts/types";

/** The seed's "enable key rotation quarterly": older than this, the payer key raises a warning. */
export const PAYER_KEY_MAX_AGE_DAYS = 90;

/**
 * Whole days since the payer key last changed: the last completed rotation, else when the active
 * payer wallet was registered; null when the console knows of neither (an env key never rotated,
 * whose age the console cannot know).
 */
export async function lastRotationAgeDays(db: Database, now: Date = new Date()): Promise<number | null> {
  const [last] = await db
    .select({ at: payerRotations.completedAt })
    .from(payerRotations)
    .where(eq(payerRotations.state, "completed"))
    .orderBy(desc(payerRotations.completedAt))
    .limit(1);
  let since = last?.at ?? null;
  if (!since) {
    const [w] = await db
      .select({ at: wallets.createdAt })
      .from(wallets)
      .where(and(eq(wallets.role, "payer"), eq(wallets.active, true)))
      .limit(1);
    since = w?.at ?? null;
  }
  return since ? Math.floor((now.getTime() - since.getTime()) / 86_400_000) : null;
}

/**
 * The alert condition "payer key older than 90 days" (a warning: it goes out in the daily
 * digest). Null when the age is unknown, so the evaluator neither raises nor resolves it.
 */
export async function payerKeyAgeConditions(db: Database, now: Date): Promise<Condition[] | null> {
  const days = await lastRotationAgeDays(db, now);
  if (days === null) return null;
  if (days <= PAYER_KEY_MAX_AGE_DAYS) return [];
  return [
    {
      kind: "payer_key_old",
      severity: "warning",
      dedupeKey: "payer_key_old",
      windowed: false,
      agentId: null,
      message: {
        code: "payer_key_old",
        severity: "warning",
        title: "🔑 Payer key due for rotation",
        lines: [
          `Last rotation: ${days} days ago`,
          `Policy: every ${PAYER_KEY_MAX_AGE_DAYS} days (quarterly)`,
          "Action: rotate the payer key (Treasury → Rotate)",
        ],
        figures: { ageDays: days, maxAgeDays: PAYER_KEY_MAX_AGE_DAYS },
      },
    },
  ];
}
