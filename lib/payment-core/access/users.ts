import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { and, asc, eq, not, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { USER_ROLES, users } from "@/db/schema";
import { type DrizzleTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";

/** Ordered from least to most privileged: the schema's `user_role` enum values (db/schema/users.ts). */
export const ROLES = USER_ROLES;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * The one bcrypt cost: users (addUser), the demo seed (db/seed.ts) and the dummy hash compared
 * for unknown emails all hash at it, so a sign-in takes as long whether the email exists or not.
 */
export const BCRYPT_COST = 12;

/** A password's bcrypt hash at BCRYPT_COST: every stored hash is made here. */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

const input = z.object({
  email: z.email("not a valid email address").transform((e) => e.toLowerCase()),
  role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` }),
  name: z.string().trim().min(1).max(200).optional(),
  password: z.string().min(12, "password must be at least 12 characters").max(200).optional(),
});

/** `createdAt` is UTC ISO with milliseconds. */
export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

/** The columns a `User` is read from; drizzle maps the names. */
const userColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  disabled: users.disabled,
  createdAt: users.createdAt,
};

function toUser(row: { [K in keyof typeof userColumns]: (typeof users.$inferSelect)[K] }): User {
  return { ...row, createdAt: isoMs(row.createdAt) };
}

/**
 * Creates a user with a bcrypt-hashed password. Without a password one is generated and
 * returned once (it is not stored anywhere in clear).
 */
export async function addUser(
  db: Database,
  raw: { email: string; role: string; name?: string; password?: string; actor: string },
): Promise<{ user: User; password: string; generated: boolean }> {
  const parsed = input.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? "input");
    throw new InvalidInputError("invalid_user", `${field}: ${issue?.message}`, { field });
  }
  const { email, role, name } = parsed.data;
  const generated = parsed.data.password === undefined;
  const password = parsed.data.password ?? randomBytes(15).toString("base64url");
  const hash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({ email, name: name ?? null, passwordHash: hash, role })
      .onConflictDoNothing({ target: users.email })
      .returning(userColumns);
    if (!row)
      throw new OperationError("user_exists", `a user with email ${email} already exists`, {
        email,
        field: "email",
      });
    const user = toUser(row);
    await writeAudit(tx, {
      actor: raw.actor,
      action: "user.add",
      targetType: "user",
      targetId: user.id,
      after: { email, role, name: name ?? null },
    });
    return { user, password, generated };
  });
}

let dummyHash: Promise<string> | undefined;

/**
 * A real bcrypt hash, at BCRYPT_COST, of a random string nobody knows: comparing against it
 * for an unknown email takes as long as for a known one, so the answer's timing does not tell
 * which emails have accounts (a malformed hash would return at once). Made once per process,
 * on the first sign-in whatever email it names.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(18).toString("base64url"));
  return dummyHash;
}

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: "unknown_email" | "wrong_password" | "disabled" };

/**
 * Checks a password and says why it failed (for the audit log, never for the visitor).
 * Every path runs one bcrypt comparison at the stored cost.
 */
export async function checkUserPassword(
  db: Database,
  email: string,
  password: string,
): Promise<PasswordCheck> {
  const dummy = await dummyPasswordHash();
  const [row] = await db
    .select({ ...userColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email.toLowerCase()));
  const ok = await bcrypt.compare(password, row?.passwordHash ?? dummy);
  if (!row) return { ok: false, reason: "unknown_email" };
  if (!ok) return { ok: false, reason: "wrong_password" };
  if (row.disabled) return { ok: false, reason: "disabled" };
  const { passwordHash: _hash, ...user } = row;
  return { ok: true, user: toUser(user) };
}

/** Checks a password; a disabled or unknown user gets null, in the same time as a wrong password. */
export async function verifyUserPassword(
  db: Database,
  email: string,
  password: string,
): Promise<User | null> {
  const result = await checkUserPassword(db, email, password);
  return result.ok ? result.user : null;
}

/** Every console user, oldest first (no password hashes). */
export async function listUsers(db: Database): Promise<User[]> {
  const rows = await db.select(userColumns).from(users).orderBy(asc(users.createdAt), asc(users.email));
  return rows.map(toUser);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One user by id, or null (an id that is not a UUID finds no one). */
export async function getUser(db: Database, id: string): Promise<User | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.select(userColumns).from(users).where(eq(users.id, id));
  return row ? toUser(row) : null;
}

/**
 * Locks the active admins, then the target, in that order (every change here takes the same
 * order, so two of them never deadlock). With the admins locked, two admins demoting or
 * disabling each other at the same moment run one after the other: the second sees one
 * admin left and is refused, so the console can never be left without an admin.
 */
async function lockForChange(
  tx: DrizzleTx,
  userId: string,
): Promise<{ target: User; activeAdmins: string[] }> {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, "admin"), not(users.disabled)))
    .orderBy(asc(users.id))
    .for("update");
  const [row] = UUID.test(userId)
    ? await tx.select(userColumns).from(users).where(eq(users.id, userId)).for("update")
    : [];
  if (!row) throw new OperationError("user_not_found", "no user has this id", { userId });
  return { target: toUser(row), activeAdmins: admins.map((a) => a.id) };
}

function refuseLastAdmin(target: User, activeAdmins: string[], what: string): void {
  if (activeAdmins.includes(target.id) && activeAdmins.length <= 1) {
    throw new OperationError(
      "last_admin",
      `${target.email} is the last active admin and cannot be ${what}: make another user an admin first`,
      { userId: target.id, activeAdmins: activeAdmins.length },
    );
  }
}

/**
 * Changes a user's role, with its audit row in the same transaction. The last active admin
 * cannot be demoted (`last_admin`). Setting the role a user already has changes nothing and
 * writes nothing.
 */
export async function setUserRole(
  db: Database,
  raw: { userId: string; role: string; actor: string; reason?: string | null },
): Promise<{ user: User; changed: boolean }> {
  const role = z.enum(ROLES).safeParse(raw.role);
  if (!role.success) {
    throw new InvalidInputError("invalid_role", `role must be one of ${ROLES.join(", ")}`, {
      role: raw.role,
    });
  }
  return db.transaction(async (tx) => {
    const { target, activeAdmins } = await lockForChange(tx, raw.userId);
    if (target.role === role.data) return { user: target, changed: false };
    if (role.data !== "admin") refuseLastAdmin(target, activeAdmins, "demoted");
    await tx.update(users).set({ role: role.data, updatedAt: sql`now()` }).where(eq(users.id, target.id));
    await writeAudit(tx, {
      actor: raw.actor,
      action: "user.role_set",
      targetType: "user",
      targetId: target.id,
      before: { email: target.email, role: target.role },
      after: { email: target.email, role: role.data },
      reason: raw.reason ?? null,
    });
    return { user: { ...target, role: role.data }, changed: true };
  });
}

/**
 * Disables or enables a user, with its audit row in the same transaction. A disabled user
 * cannot sign in, and their open sessions stop working on the next request. The last active
 * admin cannot be disabled (`last_admin`).
 */
export async function setUserDisabled(
  db: Database,
  raw: { userId: string; disabled: boolean; actor: string; reason?: string | null },
): Promise<{ user: User; changed: boolean }> {
  return db.transaction(async (tx) => {
    const { target, activeAdmins } = await lockForChange(tx, raw.userId);
    if (target.disabled === raw.disabled) return { user: target, changed: false };
    if (raw.disabled) refuseLastAdmin(target, activeAdmins, "disabled");
    await tx
      .update(users)
      .set({ disabled: raw.disabled, updatedAt: sql`now()` })
      .where(eq(users.id, target.id));
    await writeAudit(tx, {
      actor: raw.actor,
      action: raw.disabled ? "user.disable" : "user.enable",
      targetType: "user",
      targetId: target.id,
      before: { email: target.email, disabled: target.disabled },
      after: { email: target.email, disabled: raw.disabled },
      reason: raw.reason ?? null,
    });
    return { user: { ...target, disabled: raw.disabled }, changed: true };
  });
}
