import type { Metadata } from "next";
import { AddOwnerForm } from "@/components/treasury/owners/add-owner-form";
import { RemoveOwnerButton } from "@/components/treasury/owners/remove-owner-button";
import { ConnectPanel, SignProposalForm } from "@/components/treasury/wallet-lazy";
import { PageHeader } from "@/components/ui/page-header";
import { DataTable, EmptyList, RowHeader, Td, TimeCell } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { treasuryOwnersView } from "@/lib/dal/treasury-owners";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Treasury owners · x402 console" };

const none = <span className="text-slate-500">—</span>;

export default async function TreasuryOwnersPage() {
  const user = await requireUser("viewer");
  const canEdit = roleAtLeast(user.role, "admin");
  const { owners, quorum, proposals, removed, warning } = await treasuryOwnersView();
  const ownerAddresses = owners.map((o) => o.address);
  const anyOpen = proposals.some((p) => p.status === "open");

  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Treasury owners">
        The wallets whose EIP-712 signatures approve a payer-key rotation and every change of this list: a
        quorum of {quorum} of the {owners.length} owners must sign.{" "}
        <code className="font-mono text-sm">X402_TREASURY_OWNERS</code> was recorded once as the initial set;
        since then an admin proposes a change here (or with{" "}
        <code className="font-mono text-sm">x402 treasury owners propose-add|propose-remove</code>) and owners
        sign it, each in their connected wallet or by pasting a signature made elsewhere. Every step is in the
        audit log. Back to the{" "}
        {/* A document load, not client navigation: each treasury page has its own CSP. */}
        <a href="/treasury" className="text-blue-800 underline underline-offset-2">
          treasury
        </a>
        .
      </PageHeader>

      {warning ? (
        <p role="status" className="max-w-3xl rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950">
          {warning}
        </p>
      ) : null}

      {owners.length === 0 ? (
        <EmptyList title="No treasury owners yet">
          Until X402_TREASURY_OWNERS names at least one owner (recorded once, at the next start), no rotation
          of the payer key and no owner change can be approved.
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
              <Td nowrap>
                {o.source === "env"
                  ? "Initial set"
                  : o.source === "proposal"
                    ? "Quorum-signed proposal"
                    : "Console"}
              </Td>
              <Td>{o.addedBy ?? none}</Td>
              {o.addedAt ? <TimeCell iso={o.addedAt} withSeconds={false} /> : <Td>{none}</Td>}
              {canEdit ? (
                <Td>
                  <RemoveOwnerButton address={o.address} label={o.label} />
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
          Proposing owner changes and submitting signatures needs the admin role; you are {user.role}. Ask an
          admin, who can also use <code className="font-mono">x402 treasury owners</code>.
        </p>
      )}

      <section aria-labelledby="proposals-title" className="flex flex-col gap-2">
        <h2 id="proposals-title" className="text-lg font-semibold">
          Proposed changes
        </h2>
        {canEdit && anyOpen ? <ConnectPanel purpose="owners" /> : null}
        {proposals.length === 0 ? (
          <p className="text-sm text-slate-700">No owner change was proposed.</p>
        ) : (
          <ul className="flex flex-col gap-3">
            {proposals.map((p) => (
              <li key={p.id} className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
                <p>
                  <span className="font-medium">{p.action === "add" ? "Add" : "Remove"}</span>{" "}
                  <span className="break-all font-mono text-xs">{p.address}</span>
                  {p.label ? ` (${p.label})` : ""} — {p.status}:{" "}
                  <strong>
                    {p.signed} of {p.quorum}
                  </strong>{" "}
                  signatures. Proposed by {p.proposedBy}; id <code className="font-mono">{p.id}</code>.
                </p>
                {p.signatures.length > 0 ? (
                  <p className="text-xs text-slate-700">
                    Signed by {p.signatures.map((sig) => sig.signer).join(", ")}
                  </p>
                ) : null}
                {p.status === "open" && p.toSign ? (
                  <details className="mt-2">
                    <summary className="cursor-pointer">What an owner signs (EIP-712)</summary>
                    <section
                      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard
                      tabIndex={0}
                      aria-label="The typed data an owner signs"
                      className="overflow-x-auto text-xs focus-visible:outline-2 focus-visible:outline-slate-900"
                    >
                      <pre>
                        {JSON.stringify(p.toSign, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}
                      </pre>
                    </section>
                  </details>
                ) : null}
                {canEdit && p.status === "open" ? (
                  <SignProposalForm
                    proposal={{
                      id: p.id,
                      action: p.action,
                      address: p.address,
                      nonce: p.nonce,
                      deadline: p.deadline,
                      signers: p.signatures.map((sig) => sig.signer),
                    }}
                    owners={ownerAddresses}
                  />
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>

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
