import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser, consoleStarted } from "../test-harness";

// In-process, each command parses its environment afresh (as cli.test.ts explains).
vi.mock("@/lib/env", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/env")>();
  return { ...actual, env: () => actual.parseEnv(process.env) };
});

let t: TestDatabase;
/** The shell's signed-in admin (commands that change state need one; lib/cli/auth.ts). */
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

describe("x402 kill-switch agrees with the server", () => {
  it("on needs --reason, as the console does (stable code, nothing changed)", async () => {
    const r = await x402(["kill-switch", "on", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: "reason_required" } });
    expect(r.json()).toMatchObject({ error: { message: expect.stringContaining("--reason") } });
    const short = await x402(["kill-switch", "on", "--reason", "x", "--json"]);
    expect(short.code).toBe(2);
    const human = await x402(["kill-switch", "on"]);
    expect(human.stderr).toContain("--reason");
    const [row] = await t.db
      .$client`SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'kill_switch.%'`;
    expect(row?.n).toBe(0);
  });

  it("status shows what the server enforces: this shell's X402_PAYMENTS_DISABLED is flagged, not obeyed", async () => {
    await consoleStarted(t.db, {}, 77);
    const r = await x402(["kill-switch", "status", "--json"], { X402_PAYMENTS_DISABLED: "true" });
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      enabled: false,
      env: false,
      configuration: { source: "server", pid: 77 },
      local_differences: [{ variable: "X402_PAYMENTS_DISABLED", local: "true", server: "false" }],
    });
    const human = await x402(["kill-switch", "status"], { X402_PAYMENTS_DISABLED: "true" });
    expect(human.stdout).toContain("Payments are enabled.");
    expect(human.stdout).toContain("this shell sets X402_PAYMENTS_DISABLED=true, the server ignores it");
  });

  it("a server started with X402_PAYMENTS_DISABLED=true is DISABLED, from the environment", async () => {
    await consoleStarted(t.db, { X402_PAYMENTS_DISABLED: "true" }, 77);
    const r = await x402(["kill-switch", "status", "--json"]);
    expect(r.json()).toMatchObject({ enabled: true, env: true, database: { enabled: false } });
    const human = await x402(["kill-switch", "status"]);
    expect(human.stdout).toContain("Payments are DISABLED.");
    expect(human.stdout).toContain("X402_PAYMENTS_DISABLED=true is set in the server's environment");
  });
});
