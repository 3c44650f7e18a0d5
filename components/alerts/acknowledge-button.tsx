"use client";

import { useRouter } from "next/navigation";
import { acknowledgeAlertAction } from "@/app/(console)/alerts/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";

/** Takes an alert: it moves to "Acknowledged" and leaves the navigation's count. */
export function AcknowledgeButton({ id }: { id: number }) {
  const router = useRouter();
  const ack = useAction(acknowledgeAlertAction, {
    onSuccess: () => router.refresh(),
    unanswered: "The console did not answer; reload the page to see whether the alert was acknowledged.",
  });
  return (
    <div className="flex flex-col gap-1">
      <Button
        size="sm"
        variant="secondary"
        disabled={ack.pending}
        aria-label={`Acknowledge alert ${id}`}
        onClick={() => ack.run({ id })}
      >
        {ack.pending ? "Acknowledging…" : "Acknowledge"}
      </Button>
      <FormMessage error={ack.error} />
    </div>
  );
}
