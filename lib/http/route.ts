import { unstable_rethrow } from "next/navigation";
import { errorToResponse } from "./errors";

/**
 * The one wrapper every route handler under app/api is exported through: a thrown error is answered
 * by `errorToResponse`, so a handler throws its `InvalidInputError` / `OperationError` instead of
 * mapping it (a classified error answers its code's status; anything else 500
 * `{ error: { code: "internal_error", message } }` as JSON, not Next's empty 500, and goes to the
 * server log). The answer passes through Next like any
 * other, so next.config's security headers are on it. Next's own control-flow errors
 * (notFound, redirect, dynamic rendering) are rethrown for Next to handle.
 */

const WRAPPED = Symbol.for("x402.apiRoute");

export function apiRoute<A extends unknown[]>(
  handler: (...args: A) => Promise<Response> | Response,
): (...args: A) => Promise<Response> {
  const wrapped = async (...args: A): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      unstable_rethrow(error);
      return errorToResponse(error);
    }
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

/** True for a handler exported through apiRoute (the route table test checks every route's). */
export function isApiRoute(handler: unknown): boolean {
  return typeof handler === "function" && (handler as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}
