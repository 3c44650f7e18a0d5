import { NotFoundPage } from "@/components/ui/page-header";

export default function ReconciliationReportNotFound() {
  return (
    <NotFoundPage
      title="Report not found"
      back={{ href: "/reconciliation", label: "Back to reconciliation" }}
    >
      No reconciliation report has this id. Report ids are whole numbers (a dry run saves none).
    </NotFoundPage>
  );
}
