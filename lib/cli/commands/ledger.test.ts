import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { SEED_HASH, seedLine } from "@/lib/testing/seed-lines";
import { repoRoot, runProcess } from "@/lib/testing/spawn";
import { type CliUser, cliEnv, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
const dir = mkdtempSync(path.join(tmpdir(), "x402-ledger-cli-"));

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

function file(name: string, lines: string[]): string {
  const p = path.join(dir, name);
  writeFileSync(p, `${lines.join("\n")}\n`);
  return p;
}

async function count(prefix: string): Promise<number> {
  const [r] = await t.db.$client`SELECT count(*)::int AS n FROM transactions WHERE id LIKE ${`${prefix}%`}`;
  return r?.n as number;
}

describe("x402 ledger import", () => {
  it("lists every problem of each bad line (field, what was wrong, what is expected) and imports nothing", async () => {
    const bad = file("three-problems.jsonl", [
      seedLine({ transaction_id: "tx_p1" }),
      seedLine({ transaction_id: "tx_p2" }),
      seedLine({ transaction_id: "tx_p3", timestamp: "16/11/2025", price_usdc: -5, status: "settled" }),
    ]);
    const human = await x402(["ledger", "import", bad]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain("Nothing imported: 1 invalid line.");
    expect(human.stdout).toContain("  line 3:\n");
    expect(human.stdout).toContain('    timestamp: "16/11/2025" is not a timestamp; expected ISO 8601');
    expect(human.stdout).toContain(
      "    price_usdc: -5: negative amounts are not allowed; expected a USDC amount",
    );
    expect(human.stdout).toContain(
      '    status: "settled" is not a status; expected one of pending, authorized, completed',
    );
    expect(await count("tx_p")).toBe(0);

    const json = await x402(["ledger", "import", bad, "--json"]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ committed: false, imported: 0 });
    const invalid = json.json().invalid as {
      line: number;
      problems: { field: string; expected: string }[];
    }[];
    expect(invalid.map((i) => [i.line, i.problems.map((p) => p.field)])).toEqual([
      [3, ["timestamp", "price_usdc", "status"]],
    ]);
    expect(invalid[0]?.problems.every((p) => p.expected.length > 0)).toBe(true);
  });

  it("refuses a malformed transaction hash such as 0xabc", async () => {
    const bad = file("short-hash.jsonl", [
      seedLine({ transaction_id: "tx_s1" }),
      seedLine({ transaction_id: "tx_s2", blockchain_tx_hash: "0xabc" }),
    ]);
    const r = await x402(["ledger", "import", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('  line 2:\n    blockchain_tx_hash: "0xabc" is not a transaction hash');
    expect(r.stdout).toContain("expected 0x followed by 64 hex digits, or null");
    expect(await count("tx_s")).toBe(0);
  });

  it("refuses lines of agents that do not exist, naming them; --allow-unknown-agents imports with a warning", async () => {
    const ghost = file("ghost.jsonl", [
      seedLine({ transaction_id: "tx_u1" }),
      seedLine({ transaction_id: "tx_u2", agent_id: "ghost_agent" }),
      seedLine({ transaction_id: "tx_u3", agent_id: "ghost_agent", price_usdc: 2 }),
    ]);
    const refused = await x402(["ledger", "import", ghost]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("Nothing imported: 1 agent that does not exist.");
    expect(refused.stdout).toContain("  ghost_agent: 2 lines (lines 2, 3)\n");
    expect(refused.stdout).toContain("--allow-unknown-agents");
    expect(await count("tx_u")).toBe(0);
    const asJson = await x402(["ledger", "import", ghost, "--json"]);
    expect(asJson.json()).toMatchObject({
      committed: false,
      unknown_agents: [{ agent_id: "ghost_agent", count: 2, lines: [2, 3] }],
    });

    const allowed = await x402(["ledger", "import", ghost, "--allow-unknown-agents"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("Imported 3 of 3 lines");
    expect(allowed.stdout).toContain("Warning: imported lines of 1 agent that does not exist");
    expect(allowed.stdout).toContain("  ghost_agent: 2 lines (lines 2, 3)\n");
    expect(await count("tx_u")).toBe(3);
  });
});

// The exit status of the pipeline's first command (the x402 binary): bash's $PIPESTATUS is its
// first element.
const EXIT_OF_FIRST = 'echo "x402 exited $PIPESTATUS"';

describe("x402 ledger export --format csv", () => {
  it("writes the CSV with the JSONL file's field names", async () => {
    const good = file("for-csv.jsonl", [
      seedLine({ transaction_id: "tx_v1", agent_id: "research_agent", price_usdc: "1.5" }),
    ]);
    expect((await x402(["ledger", "import", good])).code).toBe(0);
    const out = path.join(dir, "research.csv");
    const r = await x402([
      "ledger",
      "export",
      "--format",
      "csv",
      "--agent",
      "research_agent",
      "--out",
      out,
      "--json",
    ]);
    expect(r.json()).toMatchObject({ out, transactions: 1 });
    const [header, row] = readFileSync(out, "utf8").split("\r\n");
    expect(header?.split(",").slice(0, 7)).toEqual([
      "transaction_id",
      "timestamp",
      "agent_id",
      "vendor",
      "price_usdc",
      "status",
      "blockchain_tx_hash",
    ]);
    expect(row?.split(",").slice(0, 7)).toEqual([
      "tx_v1",
      "2025-11-16T09:00:00.000000Z",
      "research_agent",
      "search-api",
      "1.500000",
      "completed",
      SEED_HASH,
    ]);
    expect((await x402(["ledger", "export", "--format", "xlsx"])).code).toBe(2);
  });
});

/** `x402 <args> | <reader>` through bash: the reader's output, then the binary's exit code. */
async function piped(args: string, reader: string) {
  const node = JSON.stringify(process.execPath);
  const r = await runProcess(
    "bash",
    ["-c", `${node} scripts/x402.mjs ${args} | ${reader}; ${EXIT_OF_FIRST}`],
    { cwd: repoRoot, env: cliEnv(t.url, {}), timeoutMs: 90_000 },
  );
  const lines = r.stdout.trimEnd().split("\n");
  return { output: lines.slice(0, -1), exit: lines.at(-1), stderr: r.stderr };
}

describe("x402 writing into a pipe that closes early", () => {
  it("ledger export | head -2 prints two lines and exits 0 with nothing on stderr; so do other commands", async () => {
    // Far more than a pipe's buffer (64 KiB), so the binary is still writing when head exits.
    expect((await x402(["db", "seed-demo", "--days", "20"])).code).toBe(0);
    const exported = await piped("ledger export", "head -2");
    expect(exported.stderr).toBe("");
    expect(exported.exit).toBe("x402 exited 0");
    expect(exported.output).toHaveLength(2);
    expect(JSON.parse(exported.output[0] as string)).toHaveProperty("transaction_id");

    // `true` reads nothing and exits at once: any write of these commands meets a closed pipe.
    for (const args of ["budgets --json", "ledger list --limit 2000"]) {
      const r = await piped(args, "true");
      expect({ args, stderr: r.stderr, exit: r.exit }).toEqual({ args, stderr: "", exit: "x402 exited 0" });
    }
  });
});
