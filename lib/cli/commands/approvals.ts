import { type Command, Option } from "commander";
import { decideChangeRequest } from "@/lib/payment-core/budgets/approvals";
import {
  CHANGE_REQUEST_STATUSES,
  type ChangeRequest,
  type ChangeRequestStatus,
  listChangeRequests,
} from "@/lib/payment-core/budgets/change-requests";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { formatMoney, table, usdc6 } from "../format";
import { snakeKeys } from "../json";
import { registerPaymentApprovals } from "./payment-approvals";

function requestJson(r: ChangeRequest) {
  return {
    ...snakeKeys(r, ["id", "agentId", "kind", "status"]),
    current_limit: usdc6(r.currentLimitMicro),
    requested_limit: usdc6(r.requestedLimitMicro),
    ...snakeKeys(r, [
      "justification",
      "requestedBy",
      "requestedAt",
      "expiresAt",
      "decidedBy",
      "decidedAt",
      "decisionComment",
    ]),
  };
}

function requestId(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) {
    throw new CliFailure(
      "invalid_request_id",
      "the request id must be a positive whole number",
      {},
      EXIT.usage,
    );
  }
  return Number(value);
}

/**
 * `x402 approvals list|approve|reject`: the console's approvals page from a shell, through the same
 * domain functions (another person than the requester decides; a rejection says why).
 */
export function registerApprovals(program: Command, { sub, print }: CommandKit): void {
  const approvals = sub(program, "approvals").description(
    "monthly limit increases and held payments waiting for an approver",
  );
  registerPaymentApprovals(approvals, { sub, print });
  sub(approvals, "list")
    .description("pending requests first (the next to expire at the top), then decided ones")
    .addOption(new Option("--status <status>", "only this status").choices([...CHANGE_REQUEST_STATUSES]))
    .option("--agent <id>", "one agent only")
    .action(async (opts: { status?: ChangeRequestStatus; agent?: string }, cmd: Command) =>
      withDb(async ({ db }) => {
        const list = await listChangeRequests(db, { status: opts.status, agentId: opts.agent });
        print(cmd, { requests: list.map(requestJson) }, () =>
          list.length === 0
            ? "No change requests.\n"
            : table(
                ["ID", "AGENT", "STATUS", "FROM", "TO", "REQUESTED BY", "EXPIRES / DECIDED", "WHY"],
                list.map((r) => [
                  r.id,
                  r.agentId,
                  r.status,
                  formatMoney(r.currentLimitMicro),
                  formatMoney(r.requestedLimitMicro),
                  r.requestedBy,
                  r.status === "pending" ? r.expiresAt : `${r.decidedBy ?? "system"} ${r.decidedAt ?? ""}`,
                  r.status === "rejected" ? (r.decisionComment ?? "") : r.justification,
                ]),
              ),
        );
      }),
    );
  for (const decision of ["approve", "reject"] as const) {
    const command = sub(approvals, decision)
      .description(
        decision === "approve"
          ? "approve a pending request: the new monthly limit applies at once"
          : "reject a pending request (--reason is required)",
      )
      .argument("<id>", "request id (see approvals list)")
      .option(
        "--reason <text>",
        decision === "approve" ? "a comment (optional)" : "why (at least 3 characters)",
      );
    mutating(command).action(async (id: string, opts: { reason?: string }, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const decided = await decideChangeRequest(db, {
            id: requestId(id),
            approve: decision === "approve",
            comment: opts.reason ?? "",
            decidedBy: actor,
          });
          print(
            cmd,
            { request: requestJson(decided) },
            () =>
              `Request #${decided.id} ${decided.status}: ${decided.agentId}'s monthly limit ${
                decided.status === "approved"
                  ? `is now ${formatMoney(decided.requestedLimitMicro)}`
                  : `stays ${formatMoney(decided.currentLimitMicro)}`
              }.\n`,
          );
        },
        { as: { operation: "approvals.decide", cmd } },
      ),
    );
  }
}
