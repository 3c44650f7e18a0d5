import { NotFoundPage } from "@/components/ui/page-header";

export default function VendorNotFound() {
  return (
    <NotFoundPage title="No such vendor" back={{ href: "/vendors", label: "Back to all vendors" }}>
      The catalog holds no vendor with this host. A vendor is added when the facilitator's discovery list
      names it or an agent's payment reads its 402.
    </NotFoundPage>
  );
}
