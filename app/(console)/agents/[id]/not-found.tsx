import Link from "next/link";

export default function AgentNotFound() {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">No such agent</h1>
      <p className="text-slate-700">
        There is no agent with this id. It may have a different name, or it has not been added yet (
        <code className="rounded bg-slate-100 px-1">npm run x402 -- agents add &lt;id&gt;</code>).
      </p>
      <Link href="/agents" className="font-medium text-blue-800 underline underline-offset-4">
        Back to all agents
      </Link>
    </div>
  );
}
