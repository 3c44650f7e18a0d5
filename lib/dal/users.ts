import "server-only";
import { listUsers, type User } from "@/lib/payment-core/access/users";
import { appDb } from "@/lib/server/db";

/** Console users for the admin page (never their password hashes). */
export async function listUserViews(): Promise<User[]> {
  return listUsers(appDb());
}
