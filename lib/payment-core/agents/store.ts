import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents } from "@/db/schema";
import { isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";

export const AGENT_ID = /^[a-z][a-z0-9_]{1,62}$/;

export interface Agent {
  id: string;
  name: string;
  status: "active" | "paused";
  apiKeyPrefix: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The columns an `Agent` is read from; drizzle maps the names. Times are UTC ISO with milliseconds. */
const agentColumns = {
  id: agents.id,
  name: agents.name,
  status: agents.status,
  apiKeyPrefix: agents.apiKeyPrefix,
  createdAt: agents.createdAt,
  updatedAt: agents.updatedAt,
};

function toAgent(row: { [K in keyof typeof agentColumns]: (typeof agents.$inferSelect)[K] }): Agent {
  return { ...row, createdAt: isoMs(row.createdAt), updatedAt: isoMs(row.updatedAt) };
}

/** API keys are random 256-bit secrets; only their SHA-256 is stored (a slow hash adds nothing here). */
function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = `x402_ak_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 14) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export async function listAgents(db: Database): Promise<Agent[]> {
  const rows = await db.select(agentColumns).from(agents).orderBy(asc(agents.id));
  return rows.map(toAgent);
}

export async function getAgent(db: Database, id: string): Promise<Agent | null> {
  const [row] = await db.select(agentColumns).from(agents).where(eq(agents.id, id));
  return row ? toAgent(row) : null;
}

function validateId(id: string): void {
  if (!AGENT_ID.test(id)) {
    throw new InvalidInputError(
      "invalid_agent_id",
      `agent id ${JSON.stringify(id)} must be 2-63 characters: lower-case letters, digits and _, starting with a letter`,
      { agentId: id },
    );
  }
}

/** Creates an agent and its API key; the key is returned once and never stored. */
export async function addAgent(
  db: Database,
  input: { id: string; name?: string; actor: string },
): Promise<{ agent: Agent; apiKey: string }> {
  validateId(input.id);
  const name = (input.name ?? input.id.replace(/_/g, " ")).trim();
  if (name.length === 0 || name.length > 200) {
    throw new InvalidInputError("invalid_name", "agent name must be 1 to 200 characters");
  }
  const key = newApiKey();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(agents)
      .values({ id: input.id, name, apiKeyHash: key.hash, apiKeyPrefix: key.prefix })
      .onConflictDoNothing({ target: agents.id })
      .returning(agentColumns);
    if (!row) {
      throw new OperationError("agent_exists", `agent ${input.id} already exists`, { agentId: input.id });
    }
    const agent = toAgent(row);
    await writeAudit(tx, {
      actor: input.actor,
      action: "agent.add",
      targetType: "agent",
      targetId: agent.id,
      after: { id: agent.id, name: agent.name, status: agent.status, apiKeyPrefix: agent.apiKeyPrefix },
    });
    return { agent, apiKey: key.key };
  });
}

async function updateAgent(
  db: Database,
  id: string,
  actor: string,
  action: string,
  change: Partial<typeof agents.$inferInsert>,
  reason?: string | null,
): Promise<Agent> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select(agentColumns).from(agents).where(eq(agents.id, id)).for("update");
    if (!before) throw new OperationError("unknown_agent", `no agent named ${id}`, { agentId: id });
    const [row] = await tx
      .update(agents)
      .set({ ...change, updatedAt: sql`now()` })
      .where(eq(agents.id, id))
      .returning(agentColumns);
    if (!row) throw new OperationError("unknown_agent", `no agent named ${id}`, { agentId: id });
    const agent = toAgent(row);
    const was = toAgent(before);
    await writeAudit(tx, {
      actor,
      action,
      targetType: "agent",
      targetId: id,
      before: { status: was.status, apiKeyPrefix: was.apiKeyPrefix },
      after: { status: agent.status, apiKeyPrefix: agent.apiKeyPrefix },
      reason: reason ?? null,
    });
    return agent;
  });
}

/** Pausing takes effect on the agent's next reservation. */
export function setAgentStatus(
  db: Database,
  input: { id: string; status: "active" | "paused"; actor: string; reason?: string | null },
): Promise<Agent> {
  return updateAgent(
    db,
    input.id,
    input.actor,
    input.status === "paused" ? "agent.pause" : "agent.resume",
    { status: input.status },
    input.reason,
  );
}

/** Replaces the agent's API key; the old one stops working at once. */
export async function rotateAgentKey(
  db: Database,
  input: { id: string; actor: string },
): Promise<{ agent: Agent; apiKey: string }> {
  const key = newApiKey();
  const agent = await updateAgent(db, input.id, input.actor, "agent.rotate_key", {
    apiKeyHash: key.hash,
    apiKeyPrefix: key.prefix,
  });
  return { agent, apiKey: key.key };
}

/** The agent an API key belongs to, or null. */
export async function authenticateAgent(db: Database, apiKey: string): Promise<Agent | null> {
  if (!apiKey.startsWith("x402_ak_")) return null;
  const hash = hashApiKey(apiKey);
  const [row] = await db
    .select({ ...agentColumns, apiKeyHash: agents.apiKeyHash })
    .from(agents)
    .where(eq(agents.apiKeyHash, hash));
  if (!row?.apiKeyHash || !timingSafeEqual(Buffer.from(row.apiKeyHash), Buffer.from(hash))) return null;
  const { apiKeyHash: _hash, ...agent } = row;
  return toAgent(agent);
}
