import type { Metadata } from "next";
import { AddOwnerForm } from "@/components/treasury/owners/add-owner-form";
import { RemoveOwnerButton } from "@/components/treasury/owners/remove-owner-button";
import { PageHeader } from "@/components/ui/page-header";
import { DataTable, EmptyList, RowHeader, Td, TimeCell } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { treasuryOwnersView } from "@/lib/dal/treasury-owners";
import { roleAtLeast } from "@/lib/payment-core/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Treasury owners · x402 console" };

const none = <span className="text-slate-500">—</span>;

export default async function TreasuryOwnersPage() {
  const user = await requireUser("viewer");
  const canEdit = roleAtLeast(user.role, "admin");
  const { owners, removed } = await treasuryOwnersView();

  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Treasury owners">
        The wallets whose EIP-712 signature approves a payer-key rotation. Owners from the environment (
        <code className="font-mono text-sm">X402_TREASURY_OWNERS</code>) change only with the environment;
        admins add and remove the others here (or with{" "}
        <code className="font-mono text-sm">x402 treasury owners</code>). Each change is in the audit log and
        counts at the next approval. Back to the{" "}
        {/* A document load, not client navigation: each treasury page has its own CSP. */}
        <a href="/treasury" className="text-blue-800 underline underline-offset-2">
          treasury
        </a>
        .
      </PageHeader>

      {owners.length === 0 ? (
        <EmptyList title="No treasury owners yet">
          Until one is added no rotation of the payer key can be approved.
          {canEdit ? " Add one below." : " An admin can add one here."}
        </EmptyList>
      ) : (
        <DataTable
          caption="Treasury owners"
          columns={["Address", "Label", "Source", "Added by", "Added (UTC)", canEdit && "Actions"]}
          minWidth="min-w-[52rem]"
        >
          {owners.map((o) => (
            <tr key={`${o.source}-${o.address}`}>
              <RowHeader className="font-mono text-xs break-all">{o.address}</RowHeader>
              <Td>{o.label ?? none}</Td>
              <Td nowrap>{o.source === "env" ? "Environment" : "Console"}</Td>
              <Td>{o.addedBy ?? none}</Td>
              {o.addedAt ? <TimeCell iso={o.addedAt} withSeconds={false} /> : <Td>{none}</Td>}
              {canEdit ? (
                <Td>
                  {o.source === "console" ? (
                    <RemoveOwnerButton address={o.address} label={o.label} />
                  ) : (
                    <span className="text-xs text-slate-600">Remove it from X402_TREASURY_OWNERS</span>
                  )}
                </Td>
              ) : null}
            </tr>
          ))}
        </DataTable>
      )}

      {canEdit ? (
        <AddOwnerForm />
      ) : (
        <p className="max-w-3xl rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-800">
          Adding and removing treasury owners needs the admin role; you are {user.role}. Ask an admin, who can
          also change them with <code className="font-mono">x402 treasury owners</code>.
        </p>
      )}

      {removed.length > 0 ? (
        <section aria-labelledby="removed-owners-title" className="flex flex-col gap-2">
          <h2 id="removed-owners-title" className="text-lg font-semibold">
            Removed owners
          </h2>
          <DataTable
            caption="Removed treasury owners"
            columns={["Address", "Label", "Added by", "Removed by", "Removed (UTC)"]}
            minWidth="min-w-[48rem]"
          >
            {removed.map((o) => (
              <tr key={`${o.address}-${o.removedAt}`}>
                <RowHeader className="font-mono text-xs break-all">{o.address}</RowHeader>
                <Td>{o.label ?? none}</Td>
                <Td>{o.addedBy ?? none}</Td>
                <Td>{o.removedBy}</Td>
                <TimeCell iso={o.removedAt} withSeconds={false} />
              </tr>
            ))}
          </DataTable>
        </section>
      ) : null}
    </div>
  );
}
