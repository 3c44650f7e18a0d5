import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { z } from "zod";
import type { Database } from "@/db/client";
import { writeAudit } from "./audit";
import { InvalidInputError, OperationError } from "./errors";

type Sql = Database["$client"];

/** Ordered from least to most privileged. */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const BCRYPT_COST = 12;

const input = z.object({
  email: z.email("not a valid email address").transform((e) => e.toLowerCase()),
  role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` }),
  name: z.string().trim().min(1).max(200).optional(),
  password: z.string().min(12, "password must be at least 12 characters").max(200).optional(),
});

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  createdAt: string;
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
    throw new InvalidInputError("invalid_user", `${String(issue?.path[0] ?? "input")}: ${issue?.message}`);
  }
  const { email, role, name } = parsed.data;
  const generated = parsed.data.password === undefined;
  const password = parsed.data.password ?? randomBytes(15).toString("base64url");
  const hash = await bcrypt.hash(password, BCRYPT_COST);
  return db.$client.begin(async (tx) => {
    const rows = await tx<{ id: string; created_at: string }[]>`
      INSERT INTO users (email, name, password_hash, role)
      VALUES (${email}, ${name ?? null}, ${hash}, ${role}::user_role)
      ON CONFLICT (email) DO NOTHING
      RETURNING id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;
    const row = rows[0];
    if (!row) throw new OperationError("user_exists", `a user with email ${email} already exists`, { email });
    const user: User = {
      id: row.id,
      email,
      name: name ?? null,
      role,
      disabled: false,
      createdAt: row.created_at,
    };
    await writeAudit(tx as unknown as Sql, {
      actor: raw.actor,
      action: "user.add",
      targetType: "user",
      targetId: user.id,
      after: { email, role, name: name ?? null },
    });
    return { user, password, generated };
  });
}

/**
 * A real bcrypt hash (cost 12, as stored hashes) of a random string nobody knows: comparing
 * against it for an unknown email takes as long as for a known one, so the answer's timing
 * does not tell which emails have accounts. A malformed hash would return at once.
 */
const DUMMY_HASH = "$2b$12$iY/X/I6bSnP6D73JM4OkH.WquFlr40cUNJ4imi1DrhtqgDytLa3xu";

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
  const sql = db.$client;
  const rows = await sql<
    {
      id: string;
      email: string;
      name: string | null;
      role: Role;
      disabled: boolean;
      password_hash: string;
      created_at: string;
    }[]
  >`
    SELECT id, email, name, role, disabled, password_hash,
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at
    FROM users WHERE email = ${email.toLowerCase()}`;
  const row = rows[0];
  const ok = await bcrypt.compare(password, row?.password_hash ?? DUMMY_HASH);
  if (!row) return { ok: false, reason: "unknown_email" };
  if (!ok) return { ok: false, reason: "wrong_password" };
  if (row.disabled) return { ok: false, reason: "disabled" };
  return {
    ok: true,
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      disabled: row.disabled,
      createdAt: row.created_at,
    },
  };
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

const SELECT_USER = `id, email, name, role, disabled,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

function toUser(r: Record<string, unknown>): User {
  return {
    id: r.id as string,
    email: r.email as string,
    name: (r.name as string | null) ?? null,
    role: r.role as Role,
    disabled: r.disabled as boolean,
    createdAt: r.created_at as string,
  };
}

/** Every console user, oldest first (no password hashes). */
export async function listUsers(db: Database): Promise<User[]> {
  const sql = db.$client;
  const rows = await sql`SELECT ${sql.unsafe(SELECT_USER)} FROM users ORDER BY created_at, email`;
  return rows.map(toUser);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Locks the active admins, then the target, in that order (every change here takes the same
 * order, so two of them never deadlock). With the admins locked, two admins demoting or
 * disabling each other at the same moment run one after the other: the second sees one
 * admin left and is refused, so the console can never be left without an admin.
 */
async function lockForChange(sql: Sql, userId: string): Promise<{ target: User; activeAdmins: string[] }> {
  const admins = await sql<{ id: string }[]>`
    SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`;
  const rows = UUID.test(userId)
    ? await sql`SELECT ${sql.unsafe(SELECT_USER)} FROM users WHERE id = ${userId} FOR UPDATE`
    : [];
  const row = rows[0];
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
  return db.$client.begin(async (tx) => {
    const sql = tx as unknown as Sql;
    const { target, activeAdmins } = await lockForChange(sql, raw.userId);
    if (target.role === role.data) return { user: target, changed: false };
    if (role.data !== "admin") refuseLastAdmin(target, activeAdmins, "demoted");
    await sql`UPDATE users SET role = ${role.data}::user_role, updated_at = now() WHERE id = ${target.id}`;
    await writeAudit(sql, {
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
  return db.$client.begin(async (tx) => {
    const sql = tx as unknown as Sql;
    const { target, activeAdmins } = await lockForChange(sql, raw.userId);
    if (target.disabled === raw.disabled) return { user: target, changed: false };
    if (raw.disabled) refuseLastAdmin(target, activeAdmins, "disabled");
    await sql`UPDATE users SET disabled = ${raw.disabled}, updated_at = now() WHERE id = ${target.id}`;
    await writeAudit(sql, {
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
