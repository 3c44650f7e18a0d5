import type { NextFetchEvent, NextRequest } from "next/server";
import { withAuth } from "next-auth/middleware";

/**
 * Coarse gate only: signed-out visitors of console pages go to /login. Every page, route
 * handler and server action checks the session and the role itself.
 */
const gate = withAuth({ pages: { signIn: "/login" } });

export function proxy(request: NextRequest, event: NextFetchEvent) {
  return (gate as unknown as (r: NextRequest, e: NextFetchEvent) => ReturnType<typeof gate>)(request, event);
}

export const config = {
  matcher: [
    "/overview/:path*",
    "/agents/:path*",
    "/ledger/:path*",
    "/approvals/:path*",
    "/audit-log/:path*",
    "/settings/:path*",
  ],
};
