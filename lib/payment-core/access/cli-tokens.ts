import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@/db/client";
import { cliTokens, users } from "@/db/schema";
import { isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { requiredRole } from "./permissions";
import { type Role, roleAtLeast, type User } from "./users";

/**
 * Personal CLI tokens (db/schema/cli-tokens.ts): 32 random bytes, shown once, stored only as their
 * SHA-256. `x402 login` makes one for the signed-in user; the console's CLI tokens page
 * (/settings/tokens) makes and revokes them.
 */

const PREFIX = "x402_cli_";
/** The prefix, then 32 random bytes in base64url (43 characters). */
const TOKEN_SHAPE = /^x402_cli_[A-Za-z0-9_-]{43}$/;

export function hashCliToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export interface CliToken {
  id: string;
  userId: string;
  userEmail: string;
  name: string;
  /** The token's first characters: enough to tell tokens apart, not to use one. */
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  createdBy: string;
}

const columns = {
  id: cliTokens.id,
  userId: cliTokens.userId,
  userEmail: users.email,
  name: cliTokens.name,
  prefix: cliTokens.prefix,
  createdAt: cliTokens.createdAt,
  expiresAt: cliTokens.expiresAt,
  lastUsedAt: cliTokens.lastUsedAt,
  revokedAt: cliTokens.revokedAt,
  revokedBy: cliTokens.revokedBy,
  createdBy: cliTokens.createdBy,
};

type Row = {
  [K in keyof typeof columns]: K extends "userEmail"
    ? string
    : (typeof cliTokens.$inferSelect)[Exclude<K, "userEmail">];
};

function toToken(row: Row): CliToken {
  return {
    ...row,
    createdAt: isoMs(row.createdAt),
    expiresAt: isoMs(row.expiresAt),
    lastUsedAt: row.lastUsedAt ? isoMs(row.lastUsedAt) : null,
    revokedAt: row.revokedAt ? isoMs(row.revokedAt) : null,
  };
}

/** A token's label: where it is used. */
export const cliTokenNameInput = z
  .string()
  .trim()
  .min(1, "name the token (where it is used)")
  .max(100, "at most 100 characters");
/** How long a token may last, in whole days. */
export const CLI_TOKEN_TTL_DAYS = { min: 1, max: 365 } as const;
const ttlInput = z.number().int().min(CLI_TOKEN_TTL_DAYS.min).max(CLI_TOKEN_TTL_DAYS.max);

/** Who acts on tokens: their own, or any when an admin. */
export interface TokenActor {
  id: string;
  email: string;
  role: Role;
}

/** Whether `actor` may see, make and revoke other users' tokens (permissions.ts: admin). */
export function mayActOnOthers(actor: TokenActor): boolean {
  return roleAtLeast(actor.role, requiredRole("cli_tokens.others"));
}

export type CliTokenStatus = "active" | "expired" | "revoked";

/** What a token is at `now`: revoked wins over expired (it was refused on purpose). */
export function cliTokenStatus(token: Pick<CliToken, "expiresAt" | "revokedAt">, now: Date): CliTokenStatus {
  if (token.revokedAt) return "revoked";
  return Date.parse(token.expiresAt) <= now.getTime() ? "expired" : "active";
}

/**
 * Makes a token for `userId` lasting `ttlDays`; returns the token itself (shown once, never stored)
 * and its record. A user makes their own; an admin may make one for anyone. A disabled user gets
 * none (`user_disabled`).
 */
export async function createCliToken(
  db: Database,
  input: { userId: string; name: string; ttlDays: number; actor: TokenActor },
): Promise<{ token: string; record: CliToken }> {
  const name = cliTokenNameInput.safeParse(input.name);
  if (!name.success)
    throw new InvalidInputError("invalid_token_name", `name: ${name.error.issues[0]?.message}`, {
      field: "name",
    });
  const ttl = ttlInput.safeParse(input.ttlDays);
  if (!ttl.success)
    throw new InvalidInputError(
      "invalid_token_ttl",
      `a token lasts from ${CLI_TOKEN_TTL_DAYS.min} to ${CLI_TOKEN_TTL_DAYS.max} days`,
      {
        field: "ttlDays",
        ttlDays: input.ttlDays,
      },
    );
  if (input.userId !== input.actor.id && !mayActOnOthers(input.actor)) {
    throw new OperationError("forbidden", "only an admin makes a token for another user", {
      needed: requiredRole("cli_tokens.others"),
      role: input.actor.role,
    });
  }
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, email: users.email, disabled: users.disabled })
      .from(users)
      .where(eq(users.id, input.userId))
      .for("share");
    if (!user) throw new OperationError("user_not_found", "no user has this id", { userId: input.userId });
    if (user.disabled)
      throw new OperationError("user_disabled", `${user.email} is disabled`, {
        userId: user.id,
        email: user.email,
      });
    const [row] = await tx
      .insert(cliTokens)
      .values({
        userId: user.id,
        name: name.data,
        tokenHash: hashCliToken(token),
        prefix: token.slice(0, PREFIX.length + 6),
        expiresAt: sql`now() + make_interval(days => ${ttl.data})`,
        createdBy: input.actor.email,
      })
      .returning({ id: cliTokens.id });
    if (!row) throw new Error("cli token insert returned no row");
    const [record] = await tx
      .select(columns)
      .from(cliTokens)
      .innerJoin(users, eq(users.id, cliTokens.userId))
      .where(eq(cliTokens.id, row.id));
    if (!record) throw new Error("cli token not found after insert");
    const created = toToken(record);
    await writeAudit(tx, {
      actor: input.actor.email,
      action: "cli_token.create",
      targetType: "user",
      targetId: user.id,
      after: {
        tokenId: created.id,
        name: created.name,
        prefix: created.prefix,
        expiresAt: created.expiresAt,
      },
    });
    return { token, record: created };
  });
}

/**
 * The user a token signs in as, read afresh (role, disabled) each time. Refusals name what is
 * wrong: `cli_token_invalid` (not a token this database made), `cli_token_expired`,
 * `cli_token_revoked`, `user_disabled`. Records when the token was last used.
 */
export async function authenticateCliToken(
  db: Database,
  token: string,
): Promise<{ user: User; token: CliToken }> {
  const invalid = () =>
    new OperationError("cli_token_invalid", "this CLI token is not valid here: run `x402 login`");
  if (!TOKEN_SHAPE.test(token)) throw invalid();
  const [row] = await db
    .select({
      ...columns,
      expired: sql<boolean>`${cliTokens.expiresAt} <= now()`,
      role: users.role,
      name_: users.name,
      disabled: users.disabled,
      userCreatedAt: users.createdAt,
    })
    .from(cliTokens)
    .innerJoin(users, eq(users.id, cliTokens.userId))
    .where(eq(cliTokens.tokenHash, hashCliToken(token)));
  if (!row) throw invalid();
  const { expired, role, name_, disabled, userCreatedAt, ...rest } = row;
  const record = toToken(rest);
  if (record.revokedAt)
    throw new OperationError(
      "cli_token_revoked",
      `this CLI token was revoked at ${record.revokedAt}: run \`x402 login\``,
      {
        tokenId: record.id,
        revokedAt: record.revokedAt,
        revokedBy: record.revokedBy,
      },
    );
  if (expired)
    throw new OperationError(
      "cli_token_expired",
      `this CLI token expired at ${record.expiresAt}: run \`x402 login\``,
      {
        tokenId: record.id,
        expiresAt: record.expiresAt,
      },
    );
  if (disabled)
    throw new OperationError("user_disabled", `${record.userEmail} is disabled`, {
      userId: record.userId,
      email: record.userEmail,
    });
  await db.update(cliTokens).set({ lastUsedAt: sql`now()` }).where(eq(cliTokens.id, record.id));
  return {
    user: {
      id: record.userId,
      email: record.userEmail,
      name: name_,
      role,
      disabled,
      createdAt: isoMs(userCreatedAt),
    },
    token: record,
  };
}

/** Tokens newest first: every user's for an admin, else the actor's own. */
export async function listCliTokens(db: Database, actor: TokenActor): Promise<CliToken[]> {
  const all = mayActOnOthers(actor);
  const rows = await db
    .select(columns)
    .from(cliTokens)
    .innerJoin(users, eq(users.id, cliTokens.userId))
    .where(all ? undefined : eq(cliTokens.userId, actor.id))
    .orderBy(desc(cliTokens.createdAt))
    .limit(500);
  return rows.map(toToken);
}

/**
 * Revokes a token (its own user's, or any for an admin), with its audit row in the same
 * transaction. Someone else's token is `cli_token_not_found` to a non-admin (it is not theirs to
 * see). Revoking a revoked token changes nothing.
 */
export async function revokeCliToken(
  db: Database,
  input: { tokenId: string; actor: TokenActor },
): Promise<{ token: CliToken; changed: boolean }> {
  const notFound = () =>
    new OperationError("cli_token_not_found", "no CLI token has this id", { tokenId: input.tokenId });
  if (!z.uuid().safeParse(input.tokenId).success) throw notFound();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select(columns)
      .from(cliTokens)
      .innerJoin(users, eq(users.id, cliTokens.userId))
      .where(eq(cliTokens.id, input.tokenId))
      .for("update", { of: cliTokens });
    if (!row || (row.userId !== input.actor.id && !mayActOnOthers(input.actor))) throw notFound();
    const before = toToken(row);
    if (before.revokedAt) return { token: before, changed: false };
    const [updated] = await tx
      .update(cliTokens)
      .set({ revokedAt: sql`now()`, revokedBy: input.actor.email })
      .where(and(eq(cliTokens.id, before.id)))
      .returning({ revokedAt: cliTokens.revokedAt });
    const token = {
      ...before,
      revokedAt: updated?.revokedAt ? isoMs(updated.revokedAt) : null,
      revokedBy: input.actor.email,
    };
    await writeAudit(tx, {
      actor: input.actor.email,
      action: "cli_token.revoke",
      targetType: "user",
      targetId: before.userId,
      before: { tokenId: before.id, name: before.name, prefix: before.prefix },
      after: { tokenId: before.id, revokedAt: token.revokedAt },
    });
    return { token, changed: true };
  });
}

/** `x402 logout`: revokes the token by its value, as its own user. Unknown tokens change nothing. */
export async function revokeCliTokenByValue(db: Database, token: string): Promise<CliToken | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await db
    .select({ id: cliTokens.id, userId: users.id, email: users.email, role: users.role })
    .from(cliTokens)
    .innerJoin(users, eq(users.id, cliTokens.userId))
    .where(eq(cliTokens.tokenHash, hashCliToken(token)));
  if (!row) return null;
  const result = await revokeCliToken(db, {
    tokenId: row.id,
    actor: { id: row.userId, email: row.email, role: row.role },
  });
  return result.token;
}
