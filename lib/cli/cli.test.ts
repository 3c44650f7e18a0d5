import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateAgent, hashApiKey } from "@/lib/payment-core/agents/store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type ProcessResult, runX402 } from "@/lib/testing/spawn";
import { type CliResult, type CliUser, cliEnv, cliRunner, cliUser } from "./test-harness";

let t: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), "x402-cli-"));

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

/** `x402 <args>` in this process against this file's database (lib/cli/test-harness.ts). */
/** The shell's signed-in admin (commands that change state need one; lib/cli/auth.ts). */
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

/** Runs the real binary (scripts/x402.mjs) against this file's database. */
async function x402Binary(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const r: ProcessResult = await runX402(args, { env: cliEnv(t.url, { ...admin.env, ...extraEnv }) });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

const LINES = [
  '{"transaction_id": "tx_c1", "timestamp": "2025-11-16T09:00:00", "agent_id": "builder_agent", "vendor": "search-api", "price_usdc": 0.01, "status": "completed", "blockchain_tx_hash": "0x0000000000000000000000000000000000000000000000000000000000000001", "error": null}',
  '{"transaction_id": "tx_c2", "timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "vendor": "dataset", "price_usdc": 2.0, "status": "completed", "blockchain_tx_hash": "0x0000000000000000000000000000000000000000000000000000000000000002", "error": null}',
  '{"transaction_id": "tx_c3", "timestamp": "2025-11-16T11:00:00", "agent_id": "research_agent", "vendor": "code-scan", "price_usdc": "0.25", "status": "failed", "blockchain_tx_hash": null, "error": "vendor_error"}',
];

describe("x402 CLI", () => {
  it("budgets --json: the seed's usage shape with limits and their sources", async () => {
    const r = await x402(["budgets", "--json"], { X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.0" });
    expect(r.code).toBe(0);
    const agents = r.json().agents as Record<string, unknown>[];
    expect(agents.map((a) => a.agent_id)).toEqual(["builder_agent", "code_review_agent", "research_agent"]);
    expect(agents[0]).toMatchObject({
      daily: "0.000000",
      daily_limit: "150.000000",
      monthly_limit: "1000.000000",
      per_transaction_max: "10.000000",
      hard_limit: "10.000000",
      sources: { daily: "env", monthly: "default", per_transaction: "default" },
    });
    const one = await x402(["budgets", "--agent", "ghost", "--json"]);
    expect(one.code).toBe(1);
    expect(one.json()).toMatchObject({ error: { code: "unknown_agent" } });
  });

  it("ledger import, list, get, daily-total and export", async () => {
    const good = path.join(dir, "good.jsonl");
    writeFileSync(good, `${LINES.join("\n")}\n`);
    const first = await x402(["ledger", "import", good, "--json"]);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ committed: true, imported: 3, already_present: 0, invalid: [] });
    const again = await x402(["ledger", "import", good, "--json"]);
    expect(again.json()).toMatchObject({ committed: true, imported: 0, already_present: 3 });

    const list = await x402(["ledger", "list", "--agent", "builder_agent", "--limit", "1", "--json"]);
    expect(list.code).toBe(0);
    const page = list.json() as { transactions: Record<string, unknown>[]; next_cursor: string };
    expect(page.transactions).toHaveLength(1);
    expect(page.transactions[0]).toMatchObject({ transaction_id: "tx_c2", price_usdc: "2.000000" });
    const next = await x402([
      "ledger",
      "list",
      "--agent",
      "builder_agent",
      "--limit",
      "1",
      "--cursor",
      page.next_cursor,
      "--json",
    ]);
    expect((next.json().transactions as { transaction_id: string }[])[0]?.transaction_id).toBe("tx_c1");
    expect(next.json().next_cursor).toBeNull();

    const failedOnly = await x402(["ledger", "list", "--status", "failed", "--json"]);
    expect((failedOnly.json().transactions as unknown[]).length).toBe(1);

    const get = await x402(["ledger", "get", "tx_c3", "--json"]);
    expect(get.json().transaction).toMatchObject({
      status: "failed",
      error: "vendor_error",
      price_usdc: "0.250000",
    });
    const missing = await x402(["ledger", "get", "tx_nope", "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: "transaction_not_found" } });

    const total = await x402(["ledger", "daily-total", "2025-11-16", "--json"]);
    expect(total.json()).toMatchObject({ date: "2025-11-16", total_usdc: "2.010000", count: 2 });
    const human = await x402(["ledger", "daily-total", "2025-11-16"]);
    expect(human.stdout).toContain("$2.01");
    const badDate = await x402(["ledger", "daily-total", "2025-02-30", "--json"]);
    expect(badDate.code).toBe(2);
    expect(badDate.json()).toMatchObject({ error: { code: "invalid_date" } });

    const out = path.join(dir, "export.jsonl");
    const exported = await x402(["ledger", "export", "--out", out, "--json"]);
    expect(exported.json()).toMatchObject({ transactions: 3 });
    expect(readFileSync(out, "utf8")).toBe(`${LINES.join("\n")}\n`);
    // To standard output: see "the real binary" below (the command writes to the process's stream).
  });

  it("a file with bad lines imports nothing (exit 1) and lists them; --skip-invalid imports the rest", async () => {
    const bad = path.join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      [
        LINES[0]?.replace("tx_c1", "tx_d1"),
        "{oops",
        LINES[1]?.replace("tx_c2", "tx_d2").replace("2.0", "1e3"),
      ].join("\n"),
    );
    const r = await x402(["ledger", "import", bad, "--json"]);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ committed: false, imported: 0 });
    expect((r.json().invalid as { line: number }[]).map((i) => i.line)).toEqual([2, 3]);
    expect((await x402(["ledger", "get", "tx_d1", "--json"])).code).toBe(1);
    const skip = await x402(["ledger", "import", bad, "--skip-invalid", "--json"]);
    expect(skip.code).toBe(0);
    expect(skip.json()).toMatchObject({ committed: true, imported: 1 });
    const noFile = await x402(["ledger", "import", path.join(dir, "absent.jsonl"), "--json"]);
    expect(noFile.code).toBe(2);
  });

  // Two commands through the real binary: its start-up (install check, tsx, exit code) and what
  // only a process shows (ledger export streams to the process's standard output).
  it("the real binary streams ledger export to standard output and exits 2 on bad configuration", async () => {
    const stdout = await x402Binary(["ledger", "export", "--agent", "research_agent"]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(`${LINES[2]}\n`);
    const badEnv = await x402Binary(["budgets", "--json"], { X402_HARD_LIMIT_USDC: "ten" });
    expect(badEnv.code).toBe(2);
    expect(badEnv.json()).toMatchObject({ error: { code: "invalid_configuration" } });
  });

  it("kill-switch on, status, off", async () => {
    const on = await x402(["kill-switch", "on", "--reason", "incident 42", "--json"]);
    expect(on.code).toBe(0);
    expect(on.json()).toMatchObject({ enabled: true, database: { enabled: true, reason: "incident 42" } });
    const envOn = await x402(["kill-switch", "status", "--json"], { X402_PAYMENTS_DISABLED: "true" });
    expect(envOn.json()).toMatchObject({ enabled: true, env: true });
    // Resuming needs a reason too, as the console's "Resume payments?" dialog: refused, still on.
    const bare = await x402(["kill-switch", "off", "--json"]);
    expect(bare.code).toBe(2);
    expect(bare.json()).toMatchObject({ error: { code: "reason_required" } });
    expect((await x402(["kill-switch", "status", "--json"])).json()).toMatchObject({
      database: { enabled: true },
    });
    const off = await x402(["kill-switch", "off", "--reason", "vendor fixed", "--json"]);
    expect(off.json()).toMatchObject({ enabled: false, database: { enabled: false } });
    const audit = await t.db
      .$client`SELECT action, reason FROM audit_log WHERE action LIKE 'kill_switch.%' ORDER BY id`;
    expect(audit.map((a) => [a.action, a.reason])).toEqual([
      ["kill_switch.on", "incident 42"],
      ["kill_switch.off", "vendor fixed"],
    ]);
    expect((await x402(["kill-switch", "sideways"])).code).toBe(2);
  });

  it("agents add, pause, resume, rotate-key; keys are stored hashed and shown once", async () => {
    const added = await x402(["agents", "add", "qa_agent", "--name", "QA agent", "--json"]);
    expect(added.code).toBe(0);
    const key = added.json().api_key as string;
    expect(key).toMatch(/^x402_ak_/);
    const [row] = await t.db.$client`SELECT api_key_hash FROM agents WHERE id = 'qa_agent'`;
    expect(row?.api_key_hash).toBe(hashApiKey(key));
    expect((await authenticateAgent(t.db, key))?.id).toBe("qa_agent");

    const dup = await x402(["agents", "add", "qa_agent", "--json"]);
    expect(dup.code).toBe(1);
    expect(dup.json()).toMatchObject({ error: { code: "agent_exists" } });
    const badId = await x402(["agents", "add", "QA Agent!", "--json"]);
    expect(badId.code).toBe(2);
    expect(badId.json()).toMatchObject({ error: { code: "invalid_agent_id" } });

    expect((await x402(["agents", "pause", "qa_agent", "--json"])).json()).toMatchObject({
      agent: { status: "paused" },
    });
    expect((await x402(["agents", "resume", "qa_agent", "--json"])).json()).toMatchObject({
      agent: { status: "active" },
    });
    const rotated = await x402(["agents", "rotate-key", "qa_agent", "--json"]);
    const newKey = rotated.json().api_key as string;
    expect(newKey).not.toBe(key);
    expect(await authenticateAgent(t.db, key)).toBeNull();
    expect((await authenticateAgent(t.db, newKey))?.id).toBe("qa_agent");
    const list = await x402(["agents", "list", "--json"]);
    expect((list.json().agents as { id: string }[]).map((a) => a.id)).toContain("qa_agent");
    expect(list.stdout).not.toContain(newKey);
  });

  it("agents vendors: show, set, replace one list, clear; bad input is exit 2 and saves nothing", async () => {
    const show = async () => (await x402(["agents", "vendors", "research_agent", "--json"])).json();
    expect(await show()).toEqual({
      agent_id: "research_agent",
      allowed_vendor_hosts: [],
      allowed_payees: [],
    });
    const payee = "0x1111111111111111111111111111111111111111";
    const set = await x402([
      "agents",
      "vendors",
      "research_agent",
      "--hosts",
      "API.example.com, data.example.com:8443",
      "--payees",
      payee,
      "--reason",
      "vendor review",
      "--json",
    ]);
    expect(set.code).toBe(0);
    const policy = {
      allowed_vendor_hosts: ["api.example.com", "data.example.com:8443"],
      allowed_payees: [payee],
    };
    expect(set.json()).toMatchObject(policy);
    expect(await show()).toMatchObject(policy);
    const text = await x402(["agents", "vendors", "research_agent"]);
    expect(text.stdout).toContain("api.example.com, data.example.com:8443");

    const bad = await x402([
      "agents",
      "vendors",
      "research_agent",
      "--hosts",
      "https://evil.example/x",
      "--json",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_vendor_host" } });
    const badPayee = await x402(["agents", "vendors", "research_agent", "--payees", "0x12", "--json"]);
    expect(badPayee.code).toBe(2);
    expect(badPayee.json()).toMatchObject({ error: { code: "invalid_payee" } });
    const both = await x402([
      "agents",
      "vendors",
      "research_agent",
      "--clear",
      "--hosts",
      "a.example",
      "--json",
    ]);
    expect(both.code).toBe(2);
    expect(await show()).toMatchObject(policy);

    expect(
      (await x402(["agents", "vendors", "research_agent", "--hosts", "", "--json"])).json(),
    ).toMatchObject({
      allowed_vendor_hosts: [],
      allowed_payees: [payee],
    });
    expect((await x402(["agents", "vendors", "research_agent", "--clear", "--json"])).json()).toMatchObject({
      allowed_vendor_hosts: [],
      allowed_payees: [],
    });
    const unknown = await x402(["agents", "vendors", "no_such_agent", "--json"]);
    expect(unknown.code).toBe(1);
    expect(unknown.json()).toMatchObject({ error: { code: "unknown_agent" } });
    const [audit] = await t.db.$client`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'agent.vendor_policy_set' AND target_id = 'research_agent'`;
    expect(audit?.n).toBe(3);
  });

  it("users add with a generated password; bad role is bad usage", async () => {
    const r = await x402(["users", "add", "--email", "Ops@Example.com", "--role", "operator", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ user: { email: "ops@example.com", role: "operator" } });
    expect((r.json().password as string).length).toBeGreaterThanOrEqual(16);
    const [row] = await t.db.$client`SELECT password_hash FROM users WHERE email = 'ops@example.com'`;
    expect(row?.password_hash).toMatch(/^\$2[aby]\$12\$/);
    expect((await x402(["users", "add", "--email", "x@example.com", "--role", "boss"])).code).toBe(2);
    const dup = await x402(["users", "add", "--email", "ops@example.com", "--role", "viewer", "--json"]);
    expect(dup.code).toBe(1);
    expect(dup.json()).toMatchObject({ error: { code: "user_exists" } });
  });

  it("db migrate and db seed-demo (a second run adds nothing already there)", async () => {
    const m = await x402(["db", "migrate", "--json"]);
    expect(m.json()).toMatchObject({ migrations: { current: true } });
    const first = await x402(["db", "seed-demo", "--days", "3", "--json"]);
    expect(first.code).toBe(0);
    const rows = first.json().rows as number;
    expect(rows).toBeGreaterThan(20);
    expect(first.json().inserted).toBe(rows);
    // Today's history grows with the clock; what was written before is never written twice.
    const second = await x402(["db", "seed-demo", "--days", "3", "--json"]);
    expect(second.json().rows as number).toBeGreaterThanOrEqual(rows);
    expect(second.json().inserted).toBe((second.json().rows as number) - rows);
    const [statuses] = await t.db.$client`
      SELECT count(*) FILTER (WHERE status = 'failed')::int AS failed,
             count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
             count(*) FILTER (WHERE latency_ms IS NOT NULL)::int AS timed
      FROM transactions WHERE id LIKE 'tx_demo_%'`;
    expect(statuses?.failed).toBeGreaterThan(0);
    expect(statuses?.timed).toBe(rows);
  });

  it("bad usage and bad configuration exit 2 and say what is wrong", async () => {
    expect((await x402(["ledger", "frobnicate"])).code).toBe(2);
    expect((await x402(["ledger", "list", "--limit", "0"])).code).toBe(2);
    const badEnv = await x402(["budgets", "--json"], { X402_HARD_LIMIT_USDC: "ten" });
    expect(badEnv.code).toBe(2);
    expect(badEnv.json()).toMatchObject({ error: { code: "invalid_configuration" } });
    expect(JSON.stringify(badEnv.json())).toContain("X402_HARD_LIMIT_USDC");
    const help = await x402(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("kill-switch");
  });
});
