import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "@/db/client";
import { writeAudit } from "./audit";
import { InvalidInputError, OperationError } from "./errors";

type Sql = Database["$client"];

export const AGENT_ID = /^[a-z][a-z0-9_]{1,62}$/;

export interface Agent {
  id: string;
  name: string;
  status: "active" | "paused";
  apiKeyPrefix: string | null;
  createdAt: string;
  updatedAt: string;
}

const SELECT_AGENT = `id, name, status, api_key_prefix,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at`;

function toAgent(r: Record<string, unknown>): Agent {
  return {
    id: r.id as string,
    name: r.name as string,
    status: r.status as Agent["status"],
    apiKeyPrefix: (r.api_key_prefix as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
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
  const sql = db.$client;
  const rows = await sql`SELECT ${sql.unsafe(SELECT_AGENT)} FROM agents ORDER BY id`;
  return rows.map(toAgent);
}

export async function getAgent(db: Database, id: string): Promise<Agent | null> {
  const sql = db.$client;
  const rows = await sql`SELECT ${sql.unsafe(SELECT_AGENT)} FROM agents WHERE id = ${id}`;
  return rows[0] ? toAgent(rows[0]) : null;
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
  return db.$client.begin(async (tx) => {
    const rows = await tx`
      INSERT INTO agents (id, name, api_key_hash, api_key_prefix)
      VALUES (${input.id}, ${name}, ${key.hash}, ${key.prefix})
      ON CONFLICT (id) DO NOTHING
      RETURNING ${tx.unsafe(SELECT_AGENT)}`;
    if (!rows[0]) {
      throw new OperationError("agent_exists", `agent ${input.id} already exists`, { agentId: input.id });
    }
    const agent = toAgent(rows[0]);
    await writeAudit(tx as unknown as Sql, {
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
  change: (tx: Sql) => Promise<Record<string, unknown>[]>,
  reason?: string | null,
): Promise<Agent> {
  return db.$client.begin(async (tx) => {
    const sql = tx as unknown as Sql;
    const before = await sql`SELECT ${sql.unsafe(SELECT_AGENT)} FROM agents WHERE id = ${id} FOR UPDATE`;
    if (!before[0]) throw new OperationError("unknown_agent", `no agent named ${id}`, { agentId: id });
    const rows = await change(sql);
    const agent = toAgent(rows[0] as Record<string, unknown>);
    const was = toAgent(before[0]);
    await writeAudit(sql, {
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
    (sql) => sql`
      UPDATE agents SET status = ${input.status}::agent_status, updated_at = now() WHERE id = ${input.id}
      RETURNING ${sql.unsafe(SELECT_AGENT)}`,
    input.reason,
  );
}

/** Replaces the agent's API key; the old one stops working at once. */
export async function rotateAgentKey(
  db: Database,
  input: { id: string; actor: string },
): Promise<{ agent: Agent; apiKey: string }> {
  const key = newApiKey();
  const agent = await updateAgent(
    db,
    input.id,
    input.actor,
    "agent.rotate_key",
    (sql) => sql`
      UPDATE agents SET api_key_hash = ${key.hash}, api_key_prefix = ${key.prefix}, updated_at = now()
      WHERE id = ${input.id} RETURNING ${sql.unsafe(SELECT_AGENT)}`,
  );
  return { agent, apiKey: key.key };
}

/** The agent an API key belongs to, or null. */
export async function authenticateAgent(db: Database, apiKey: string): Promise<Agent | null> {
  if (!apiKey.startsWith("x402_ak_")) return null;
  const hash = hashApiKey(apiKey);
  const sql = db.$client;
  const rows =
    await sql`SELECT ${sql.unsafe(SELECT_AGENT)}, api_key_hash FROM agents WHERE api_key_hash = ${hash}`;
  const row = rows[0];
  if (!row || !timingSafeEqual(Buffer.from(row.api_key_hash as string), Buffer.from(hash))) return null;
  return toAgent(row);
}
