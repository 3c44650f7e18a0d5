"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { changeAgentStatus } from "@/app/(console)/agents/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";

/**
 * One click, no confirmation: pausing is the brake an operator reaches for when an agent
 * misbehaves, and resuming is as easy to undo. Both are in the audit log.
 */
export function AgentStatusButton({ agentId, status }: { agentId: string; status: "active" | "paused" }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const { pending, error, data, run } = useAction(changeAgentStatus, {
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["agents"] });
      router.refresh();
    },
  });
  const pausing = status === "active";
  const success =
    data === null
      ? null
      : data.status === "paused"
        ? "Agent paused: its next payment is refused with agent_paused."
        : "Agent resumed: it can pay again within its limits.";

  return (
    <div className="flex flex-col items-end gap-2">
      <Button
        variant={pausing ? "danger" : "primary"}
        onClick={() => run({ agentId, status: pausing ? "paused" : "active" })}
        disabled={pending}
        aria-busy={pending}
      >
        {pausing ? "Pause agent" : "Resume agent"}
      </Button>
      {pending ? <span className="text-xs text-slate-600">{pausing ? "Pausing…" : "Resuming…"}</span> : null}
      {error || success ? (
        <div className="max-w-xs text-right">
          <FormMessage error={error} success={success ?? undefined} />
        </div>
      ) : null}
    </div>
  );
}
