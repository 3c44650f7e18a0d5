import { unstable_rethrow } from "next/navigation";
import { errorResponse } from "./errors";

/**
 * The one wrapper every route handler under app/api is exported through: an unexpected error
 * answers 500 `{ error: { code: "internal_error", message } }` as JSON (Next's own 500 is an
 * empty body), and the error goes to the server log. The answer passes through Next like any
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
      console.error("route handler failed", error);
      return errorResponse(
        "internal_error",
        "an unexpected error answered this request; the details are in the server log",
        {},
        500,
      );
    }
  };
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

/** True for a handler exported through apiRoute (the route table test checks every route's). */
export function isApiRoute(handler: unknown): boolean {
  return typeof handler === "function" && (handler as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}
