"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import {
  CLI_TOKEN_TTL_DAYS,
  cliTokenNameInput,
  createCliToken,
  revokeCliToken,
} from "@/lib/payment-core/access/cli-tokens";

const PAGE = "/settings/tokens";

/**
 * Every signed-in user makes a personal token for `x402 login --token`, always their own (the
 * input names no user). The token is in this one answer and nowhere else: the database keeps its
 * SHA-256, the page lists the record. Made and audited (`cli_token.create`) in one transaction.
 */
export const createCliTokenAction = action({
  operation: "cli_tokens.own",
  input: z.object({
    name: cliTokenNameInput,
    ttlDays: z.coerce
      .number({ message: "enter a number of days" })
      .int("a whole number of days")
      .min(CLI_TOKEN_TTL_DAYS.min, `at least ${CLI_TOKEN_TTL_DAYS.min} day`)
      .max(CLI_TOKEN_TTL_DAYS.max, `at most ${CLI_TOKEN_TTL_DAYS.max} days`),
  }),
  handler: async ({ name, ttlDays }, { user, db }) => {
    const made = await createCliToken(db, { userId: user.id, name, ttlDays, actor: user });
    revalidatePath(PAGE);
    return made;
  },
});

/**
 * Revokes a token: one's own, or anyone's for an admin. The domain checks whose it is under the
 * row's lock: another user's token is `cli_token_not_found` to a non-admin, and nothing changes.
 * Revoked and audited (`cli_token.revoke`) in one transaction; revoking twice changes nothing.
 */
export const revokeCliTokenAction = action({
  operation: "cli_tokens.own",
  input: z.object({ tokenId: z.uuid("not a token id") }),
  handler: async ({ tokenId }, { user, db }) => {
    const result = await revokeCliToken(db, { tokenId, actor: user });
    revalidatePath(PAGE);
    return result;
  },
});
