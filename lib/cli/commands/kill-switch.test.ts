import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser, consoleStarted } from "../test-harness";

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
    expect(human.stdout).toContain("Payments are DISABLED, stopped by: X402_PAYMENTS_DISABLED.");
    expect(human.stdout).toContain("X402_PAYMENTS_DISABLED=true is set in the server's environment");
  });
});

describe("x402 kill-switch status names where each value came from", () => {
  it("before any console recorded its configuration: this shell's environment, and the flag's default", async () => {
    await t.db.$client`DELETE FROM settings WHERE key IN ('server_config', 'kill_switch')`;
    const r = await x402(["kill-switch", "status", "--json"], { X402_PAYMENTS_DISABLED: "true" });
    expect(r.json()).toMatchObject({
      enabled: true,
      sources: {
        stopped_by: ["X402_PAYMENTS_DISABLED"],
        X402_PAYMENTS_DISABLED: { value: true, from: "shell_environment", pid: null },
        database: { value: false, from: "default", setting: "kill_switch" },
        paused_agents: { from: "agents", ids: [] },
      },
    });
    const human = await x402(["kill-switch", "status"], { X402_PAYMENTS_DISABLED: "true" });
    expect(human.stdout).toContain("X402_PAYMENTS_DISABLED: true (from this shell's environment");
    expect(human.stdout).toContain(
      "Database flag: off (default: the database setting kill_switch was never set)",
    );
    expect(human.stdout).toContain("Paused agents: none");
  });

  it("the server's environment, the database flag and who set it, and agents paused one by one", async () => {
    await consoleStarted(t.db, {}, 88);
    const on = await x402(["kill-switch", "on", "--reason", "incident 42", "--json"]);
    expect(on.code).toBe(0);
    await t.db.$client`UPDATE agents SET status = 'paused' WHERE id = 'research_agent'`;
    try {
      const r = await x402(["kill-switch", "status", "--json"]);
      expect(r.json()).toMatchObject({
        enabled: true,
        env: false,
        sources: {
          stopped_by: ["database"],
          X402_PAYMENTS_DISABLED: { value: false, from: "server_environment", pid: 88, host: "console-host" },
          database: { value: true, from: "database", setting: "kill_switch" },
          paused_agents: { ids: ["research_agent"] },
        },
      });
      const human = await x402(["kill-switch", "status"]);
      expect(human.stdout).toContain("Payments are DISABLED, stopped by: the database flag.");
      expect(human.stdout).toContain(
        "X402_PAYMENTS_DISABLED: false (from the server's environment, recorded by pid 88",
      );
      const flag = human.stdout.split("\n").find((l) => l.startsWith("Database flag:")) ?? "";
      expect(flag).toContain(
        `Database flag: on (from the database setting kill_switch, set by ${admin.user.email} at `,
      );
      expect(flag).toContain(": incident 42)");
      expect(human.stdout).toContain(
        "Paused agents (each stopped on its own, from the agents table): research_agent",
      );
    } finally {
      await t.db.$client`UPDATE agents SET status = 'active' WHERE id = 'research_agent'`;
      await x402(["kill-switch", "off", "--reason", "incident over"]);
    }
  });
});
