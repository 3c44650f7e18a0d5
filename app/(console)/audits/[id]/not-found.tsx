import { NotFoundPage } from "@/components/ui/page-header";

export default function AuditReportNotFound() {
  return (
    <NotFoundPage title="Audit not found" back={{ href: "/audits", label: "Back to audits" }}>
      No budget audit has this id. Audit ids are whole numbers.
    </NotFoundPage>
  );
}
