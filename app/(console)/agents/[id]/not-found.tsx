import { NotFoundPage } from "@/components/ui/page-header";

export default function AgentNotFound() {
  return (
    <NotFoundPage title="No such agent" back={{ href: "/agents", label: "Back to all agents" }}>
      There is no agent with this id. It may have a different name, or it has not been added yet (
      <code className="rounded bg-slate-100 px-1">npm run x402 -- agents add &lt;id&gt;</code>).
    </NotFoundPage>
  );
}
