import { NotFoundPage } from "@/components/ui/page-header";

export default function JobRunNotFound() {
  return (
    <NotFoundPage title="Run not found" back={{ href: "/jobs", label: "Back to jobs" }}>
      No job run has this id. Run ids are whole numbers.
    </NotFoundPage>
  );
}
