import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { appDb } from "@/lib/dal/db";
import { type Role, roleAtLeast } from "@/lib/payment-core/users";
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
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  const rows = await appDb().$client<
    { id: string; email: string; name: string | null; role: Role; disabled: boolean }[]
  >`
    SELECT id, email, name, role, disabled FROM users WHERE id = ${id}`;
  const row = rows[0];
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
  if (!user) {
    return Response.json({ error: { code: "unauthorized", message: "sign in first" } }, { status: 401 });
  }
  if (!roleAtLeast(user.role, role)) {
    return Response.json(
      { error: { code: "forbidden", message: `this needs the ${role} role; you are ${user.role}` } },
      { status: 403 },
    );
  }
  return user;
}
