import "server-only";
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { errorResponse } from "@/lib/http/errors";
import { getUser, type Role, roleAtLeast } from "@/lib/payment-core/access/users";
import { appDb } from "@/lib/server/db";
import { authOptions } from "./options";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

/**
 * The signed-in user, read again from the database on every request: a role change or a
 * disabled account takes effect at once, not when the JWT expires.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const id = session?.user?.id;
  if (!id) return null;
  const row = await getUser(appDb(), id);
  if (!row || row.disabled) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}

/** For pages: signed-out visitors go to /login; a role too low gets the forbidden page. */
export async function requireUser(role: Role = "viewer"): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect("/login");
  if (!roleAtLeast(user.role, role)) redirect("/forbidden");
  return user;
}

/** For route handlers: the user, or the 401/403 answer to return. */
export async function apiUser(role: Role = "viewer"): Promise<SessionUser | Response> {
  const user = await currentUser();
  if (!user) return errorResponse("unauthorized", "sign in first");
  if (!roleAtLeast(user.role, role)) {
    return errorResponse("forbidden", `this needs the ${role} role; you are ${user.role}`);
  }
  return user;
}
