import { NotFoundPage } from "@/components/ui/page-header";

export default function TransactionNotFound() {
  return (
    <NotFoundPage title="Transaction not found" back={{ href: "/ledger", label: "Back to the ledger" }}>
      No transaction has this id. Ids look like <code className="font-mono">tx_5f0c…</code>; check it was
      copied whole.
    </NotFoundPage>
  );
}
