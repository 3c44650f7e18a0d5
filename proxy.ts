import { type NextFetchEvent, type NextRequest, NextResponse } from "next/server";
import { withAuth } from "next-auth/middleware";
import { errorResponse } from "@/lib/http/errors";
import { malformedPercentEncoding } from "@/lib/http/percent-encoding";

/**
 * Coarse gate only: signed-out visitors of console pages go to /login. Every page, route
 * handler and server action checks the session and the role itself.
 */
const gate = withAuth({ pages: { signIn: "/login" } });

const GATED = ["/overview", "/agents", "/ledger", "/approvals", "/audit-log", "/settings"];

export function proxy(request: NextRequest, event: NextFetchEvent) {
  // Next's router fails on a path whose percent-encoding is not UTF-8 with a bare 500.
  const malformed = malformedPercentEncoding(request.nextUrl);
  if (malformed) return errorResponse("invalid_request", malformed.message, { field: malformed.field });
  // Next compares a server action's Origin with the Host, but runs the action when there is
  // no Origin at all. Every browser sends one with a POST, so a call without it is a forged
  // request (or a non-browser client), never the console.
  if (request.method === "POST" && request.headers.has("next-action") && !request.headers.get("origin")) {
    return errorResponse("origin_required", "a server action call needs an Origin header");
  }
  const { pathname } = request.nextUrl;
  if (GATED.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    return (gate as unknown as (r: NextRequest, e: NextFetchEvent) => ReturnType<typeof gate>)(
      request,
      event,
    );
  }
  return NextResponse.next();
}

export const config = {
  // Every request but static assets: a server action can be posted to any page's path.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
