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

/** Checks a password; a disabled or unknown user gets null, in the same time as a wrong password. */
export async function verifyUserPassword(
  db: Database,
  email: string,
  password: string,
): Promise<User | null> {
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
  const ok = await bcrypt.compare(
    password,
    row?.password_hash ?? "$2b$12$invalidinvalidinvalidinvalidinvalidinvalidinvalidinv",
  );
  if (!row || !ok || row.disabled) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled,
    createdAt: row.created_at,
  };
}
