import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { apiRoute } from "@/lib/http/route";

const handler = NextAuth(authOptions);

// Through apiRoute as every route: an error in next-auth answers JSON, not an empty 500.
const route = apiRoute(handler as (request: Request, context: unknown) => Promise<Response>);

export { route as GET, route as POST };
