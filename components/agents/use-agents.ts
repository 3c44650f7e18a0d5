"use client";

import { useQuery } from "@tanstack/react-query";
import type { AgentView } from "@/lib/dal/agents";

async function fetchAgents(agentId?: string): Promise<AgentView[]> {
  const url = agentId ? `/api/console/agents?agent=${encodeURIComponent(agentId)}` : "/api/console/agents";
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`agents: HTTP ${response.status}`);
  return ((await response.json()) as { agents: AgentView[] }).agents;
}

/** Live usage, polled (the providers poll every 5 s); starts from what the server rendered. */
export function useAgents(initial: AgentView[]) {
  return useQuery({ queryKey: ["agents"], queryFn: () => fetchAgents(), initialData: initial });
}

export function useAgent(initial: AgentView) {
  const query = useQuery({
    queryKey: ["agents", initial.id],
    queryFn: () => fetchAgents(initial.id),
    initialData: [initial],
  });
  return query.data[0] ?? initial;
}
