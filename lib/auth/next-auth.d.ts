import type { DefaultSession } from "next-auth";
import type { Role } from "@/lib/payment-core/access/users";

/**
 * What this console keeps in next-auth's JWT and session (see the callbacks in options.ts), so
 * they are read without casts. Optional: a token minted before a field existed lacks it, and the
 * session is only a hint anyway (currentUser reads the user again from the database).
 */
declare module "next-auth" {
  interface Session {
    user?: DefaultSession["user"] & { id?: string; role?: Role };
  }
  /** What `authorize` returns for a signed-in user. */
  interface User {
    role: Role;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: Role;
  }
}
