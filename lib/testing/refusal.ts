/**
 * A domain call's outcome as a test compares it: `{ code: "accepted" }`, or the refusal's stable
 * code and figures (an error without a code shows as `threw: <message>`, so the test fails on it).
 */
export async function refusal(
  p: Promise<unknown>,
): Promise<{ code: string; details?: Record<string, unknown> }> {
  return p.then(
    () => ({ code: "accepted" }),
    (e: { code?: string; details?: Record<string, unknown>; message: string }) => ({
      code: e.code ?? `threw: ${e.message}`,
      details: e.details,
    }),
  );
}
