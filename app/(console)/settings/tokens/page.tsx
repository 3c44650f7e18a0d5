import { CreateTokenForm } from "@/components/cli-tokens/create-token-form";
import { RevokeTokenButton } from "@/components/cli-tokens/revoke-token-button";
import { PageHeader } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, EmptyList, RowHeader, Td, TimeCell } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { listCliTokenViews } from "@/lib/dal/cli-tokens";
import { env } from "@/lib/env";
import { CLI_TOKEN_TTL_DAYS, mayActOnOthers } from "@/lib/payment-core/access/cli-tokens";

export const dynamic = "force-dynamic";
export const metadata = { title: "CLI tokens · x402 console" };

const none = <span className="text-slate-500">—</span>;

/**
 * Personal tokens for the `x402` command line: every role sees, makes and revokes its own; an admin
 * sees and revokes everyone's. The actions re-check whose token it is (lib/payment-core/access/cli-tokens.ts).
 */
export default async function CliTokensPage() {
  const me = await requireUser("viewer");
  const everyone = mayActOnOthers(me);
  const tokens = await listCliTokenViews(me);

  return (
    <div className="flex flex-col gap-5">
      <PageHeader title="CLI tokens">
        Personal tokens sign the <code className="font-mono">x402</code> command line in as a console user,
        with that user&apos;s role read afresh on every command.{" "}
        <code className="font-mono">x402 login --email</code> makes one for you; make one here for{" "}
        <code className="font-mono">x402 login --token</code>. Only a token&apos;s hash is kept.{" "}
        {everyone
          ? "As an admin you see every user's tokens and can revoke any."
          : "You see and revoke your own; an admin can revoke any."}{" "}
        Every token made or revoked is in the audit log.
      </PageHeader>

      {tokens.length === 0 ? (
        <EmptyList title={everyone ? "No CLI tokens yet" : "You have no CLI tokens yet"}>
          Make one below, or run <code className="font-mono">x402 login --email you@example.com</code>.
        </EmptyList>
      ) : (
        <DataTable
          caption={everyone ? "Every user's CLI tokens" : "Your CLI tokens"}
          columns={[
            "Name",
            everyone && "User",
            "Token",
            "Created (UTC)",
            "Expires (UTC)",
            "Last used (UTC)",
            "Status",
            "Actions",
          ]}
          minWidth={everyone ? "min-w-[64rem]" : "min-w-[52rem]"}
        >
          {tokens.map((token) => (
            <tr key={token.id} className={token.status === "active" ? undefined : "text-slate-600"}>
              <RowHeader>{token.name}</RowHeader>
              {everyone ? (
                <Td nowrap>
                  {token.userEmail}
                  {token.mine ? <span className="ml-1 text-xs text-slate-600">(you)</span> : null}
                </Td>
              ) : null}
              <Td nowrap>
                <span className="font-mono text-xs">{token.prefix}…</span>
              </Td>
              <TimeCell iso={token.createdAt} withSeconds={false} />
              <TimeCell iso={token.expiresAt} withSeconds={false} />
              {token.lastUsedAt ? <TimeCell iso={token.lastUsedAt} withSeconds={false} /> : <Td>{none}</Td>}
              <Td>
                <StatusBadge kind="cliToken" status={token.status} />
                {token.revokedAt ? (
                  <span className="block pt-1 text-xs text-slate-600">
                    by {token.revokedBy}, <UtcTime iso={token.revokedAt} withSeconds={false} />
                  </span>
                ) : null}
              </Td>
              <Td>
                {token.status === "revoked" ? (
                  none
                ) : (
                  <RevokeTokenButton
                    token={{
                      id: token.id,
                      name: token.name,
                      prefix: token.prefix,
                      userEmail: token.userEmail,
                      mine: token.mine,
                    }}
                  />
                )}
              </Td>
            </tr>
          ))}
        </DataTable>
      )}

      <CreateTokenForm
        ttl={{ default: env().cli.tokenTtlDays, min: CLI_TOKEN_TTL_DAYS.min, max: CLI_TOKEN_TTL_DAYS.max }}
      />
    </div>
  );
}
