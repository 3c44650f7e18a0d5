import "server-only";
import type { SessionUser } from "@/lib/auth/session";
import {
  type CliToken,
  type CliTokenStatus,
  cliTokenStatus,
  listCliTokens,
} from "@/lib/payment-core/access/cli-tokens";
import { appDb } from "@/lib/server/db";

export interface CliTokenView extends CliToken {
  status: CliTokenStatus;
  /** The viewer's own token (an admin sees everyone's). */
  mine: boolean;
}

/**
 * The CLI tokens page's list: the signed-in user's own tokens, or everyone's for an admin, newest
 * first, with each one's status now. Never the token itself (the database has only its hash).
 */
export async function listCliTokenViews(
  user: Pick<SessionUser, "id" | "email" | "role">,
): Promise<CliTokenView[]> {
  const now = new Date();
  const tokens = await listCliTokens(appDb(), { id: user.id, email: user.email, role: user.role });
  return tokens.map((token) => ({
    ...token,
    status: cliTokenStatus(token, now),
    mine: token.userId === user.id,
  }));
}
