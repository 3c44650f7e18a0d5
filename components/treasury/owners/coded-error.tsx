import type { ActionResult } from "@/lib/actions/action";

/** An action's refusal as the owners page shows it: the sentence, then its stable code. */
export function codedError(message: string | null, result: ActionResult<unknown> | null) {
  if (!message) return null;
  const code = result && !result.ok ? result.code : null;
  return (
    <>
      {message}
      {code ? <span className="ml-1 font-mono text-xs">({code})</span> : null}
    </>
  );
}
