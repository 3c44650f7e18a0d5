"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { changeAgentStatus } from "@/app/(console)/agents/actions";
import { FormMessage } from "./form-feedback";

/**
 * One click, no confirmation: pausing is the brake an operator reaches for when an agent
 * misbehaves, and resuming is as easy to undo. Both are in the audit log.
 */
export function AgentStatusButton({ agentId, status }: { agentId: string; status: "active" | "paused" }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const pausing = status === "active";

  async function onClick() {
    setPending(true);
    setError(null);
    setSuccess(null);
    const result = await changeAgentStatus({ agentId, status: pausing ? "paused" : "active" });
    setPending(false);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    setSuccess(
      result.data.status === "paused"
        ? "Agent paused: its next payment is refused with agent_paused."
        : "Agent resumed: it can pay again within its limits.",
    );
    await queryClient.invalidateQueries({ queryKey: ["agents"] });
    router.refresh();
  }

  return (
    <div className="flex flex-col items-end gap-2">
      <button
        type="button"
        onClick={onClick}
        disabled={pending}
        aria-busy={pending}
        className={`rounded-md px-3 py-2 text-sm font-medium text-white disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 ${pausing ? "bg-red-700 hover:bg-red-800 focus-visible:outline-red-700" : "bg-slate-900 hover:bg-slate-700 focus-visible:outline-slate-900"}`}
      >
        {pausing ? "Pause agent" : "Resume agent"}
      </button>
      {pending ? <span className="text-xs text-slate-600">{pausing ? "Pausing…" : "Resuming…"}</span> : null}
      {error || success ? (
        <div className="max-w-xs text-right">
          <FormMessage error={error} success={success ?? undefined} />
        </div>
      ) : null}
    </div>
  );
}
