"use client";

import { useRouter } from "next/navigation";
import { useAction } from "@/components/ui/use-action";
import type { ActionResult } from "@/lib/actions/action";

/**
 * A rotation step's server action, with the page refreshed after it succeeds: the rotation's row
 * is the flow's memory, so the next step is whatever the server now says it is.
 */
export function useRotationStep<I, T>(action: (input: I) => Promise<ActionResult<T>>) {
  const router = useRouter();
  return useAction(action, {
    onSuccess: () => router.refresh(),
    unanswered:
      "The console did not answer; reload the page: the rotation's state on the server says whether this step ran.",
  });
}

/** A figure of a refusal as text: plain values as they are, lists joined. */
function figure(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A refused step: what the server said, its stable code and the figures behind it. */
export function Refusal({ result }: { result: ActionResult<unknown> | null }) {
  if (!result || result.ok) return null;
  const figures = Object.entries(result.details ?? {}).filter(
    ([key, value]) => key !== "issues" && value !== null && value !== undefined,
  );
  return (
    <div role="alert" className="flex flex-col gap-1 rounded-md bg-red-50 px-3 py-2 text-sm text-red-900">
      <p>{result.message}</p>
      <p className="font-mono text-xs" data-testid="refusal-code">
        {result.code}
      </p>
      {figures.length > 0 ? (
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 text-xs">
          {figures.map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="font-medium">{key}</dt>
              <dd className="break-all font-mono">{figure(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}
