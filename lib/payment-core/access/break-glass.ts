import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { messageText } from "../alerts/messages";
import { enqueueMessage } from "../alerts/outbox";
import type { AlertMessage } from "../alerts/types";
import { writeAudit } from "../audit-log/write";
import type { Operation } from "./permissions";

/** The actor of every change made with `x402 --break-glass`: the audit log flags its rows. */
export function breakGlassActor(osUser: string): string {
  return `break-glass:${osUser}`;
}

/**
 * Records a break-glass use before the command runs (so a use that then fails is on record too):
 * an audit row `cli.break_glass` with the reason, and a critical alert delivered at once, in one
 * transaction. Returns the actor the command's own changes are written under.
 */
export async function recordBreakGlass(
  db: Database,
  input: { osUser: string; host: string; reason: string; command: string; operation: Operation },
): Promise<{ actor: string; alertId: number }> {
  const actor = breakGlassActor(input.osUser);
  const message: AlertMessage = {
    code: "break_glass",
    severity: "critical",
    title: `🚨 Break-glass: ${actor} ran \`x402 ${input.command}\` without signing in`,
    lines: [`Host: ${input.host}`, `Reason: ${input.reason}`, "Check the audit log for what changed."],
    figures: { operation: input.operation, command: input.command, host: input.host, actor },
  };
  return db.transaction(async (tx) => {
    await writeAudit(tx, {
      actor,
      action: "cli.break_glass",
      targetType: "operation",
      targetId: input.operation,
      after: { command: input.command, host: input.host, osUser: input.osUser },
      reason: input.reason,
    });
    // Each use is its own alert: the dedupe key is never reused.
    const [row] = await tx.execute<{ id: string }>(sql`
      INSERT INTO alerts (kind, severity, message, figures, dedupe_key, delivered_at)
      VALUES ('break_glass', 'critical', ${messageText(message)}, ${JSON.stringify(message.figures)}::jsonb,
        ${`break_glass:${randomBytes(8).toString("hex")}`}, now())
      RETURNING id`);
    const alertId = Number(row?.id);
    await enqueueMessage(tx, { ...message, alertId });
    return { actor, alertId };
  });
}
