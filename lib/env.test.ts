import { describe, expect, it } from "vitest";
import { EnvError, env, parseEnv } from "./env";

describe("environment", () => {
  it("has sensible defaults", () => {
    const env = parseEnv({});
    expect(env.budget).toMatchObject({
      paymentsDisabled: false,
      hardLimitMicro: 10_000_000n,
      alertThresholdPct: 80,
      defaults: { daily: 100_000_000n, monthly: 1_000_000_000n, per_transaction: 10_000_000n },
      agentLimits: {},
    });
    expect(env.databaseUrl).toBeUndefined();
    expect(env.pgDataDir).toBe("./data/postgres");
  });

  it("reads the API rate limits, with generous defaults", () => {
    expect(parseEnv({}).apiRateLimits).toEqual({
      paymentsPerMinute: 600,
      metricsPerMinute: 120,
      authFailuresPerMinute: 30,
      trustedProxies: [],
    });
    expect(
      parseEnv({ X402_API_RATE_LIMIT_PER_MINUTE: "5", X402_METRICS_RATE_LIMIT_PER_MINUTE: "7" })
        .apiRateLimits,
    ).toMatchObject({ paymentsPerMinute: 5, metricsPerMinute: 7 });
    expect(() => parseEnv({ X402_API_RATE_LIMIT_PER_MINUTE: "0" })).toThrow(/X402_API_RATE_LIMIT_PER_MINUTE/);
    expect(() => parseEnv({ X402_API_AUTH_FAILURES_PER_MINUTE: "lots" })).toThrow(
      /X402_API_AUTH_FAILURES_PER_MINUTE/,
    );
  });

  it("reads the seed's per-agent variables for any agent", () => {
    const env = parseEnv({
      X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.0",
      X402_RESEARCH_AGENT_PER_TRANSACTION_MAX_USDC: "5.0",
      X402_CODE_REVIEW_AGENT_MONTHLY_LIMIT_USDC: "2000.0",
      X402_NEW_AGENT_7_DAILY_LIMIT_USDC: "1",
      X402_HARD_LIMIT_USDC: "25",
      X402_PAYMENTS_DISABLED: "true",
    });
    expect(env.budget.agentLimits).toEqual({
      builder_agent: { daily: 150_000_000n },
      research_agent: { per_transaction: 5_000_000n },
      code_review_agent: { monthly: 2_000_000_000n },
      new_agent_7: { daily: 1_000_000n },
    });
    expect(env.budget.hardLimitMicro).toBe(25_000_000n);
    expect(env.budget.paymentsDisabled).toBe(true);
  });

  it("a bad value stops start-up with every variable's name and reason", () => {
    let error: unknown;
    try {
      parseEnv({
        X402_HARD_LIMIT_USDC: "ten",
        X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "-5",
        X402_ALERT_THRESHOLD_PCT: "180",
        X402_PAYMENTS_DISABLED: "maybe",
        DATABASE_URL: "mysql://x",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const issues = (error as EnvError).issues.map((i) => i.variable).sort();
    expect(issues).toEqual([
      "DATABASE_URL",
      "X402_ALERT_THRESHOLD_PCT",
      "X402_BUILDER_AGENT_DAILY_LIMIT_USDC",
      "X402_HARD_LIMIT_USDC",
      "X402_PAYMENTS_DISABLED",
    ]);
    expect((error as EnvError).message).toContain(
      "X402_BUILDER_AGENT_DAILY_LIMIT_USDC: negative amounts are not allowed",
    );
    expect((error as EnvError).message).toContain("X402_HARD_LIMIT_USDC: expected digits");
  });

  it("X402_ALLOWED_PRIVATE_HOSTS is host:port entries; X402_MAX_RESPONSE_BYTES defaults to 1 MiB", () => {
    const ok = parseEnv({ X402_ALLOWED_PRIVATE_HOSTS: " 127.0.0.1:4021, Vendor.Internal:8080,[::1]:443 " });
    expect(ok.payments.allowedPrivateHosts).toEqual(["127.0.0.1:4021", "vendor.internal:8080", "[::1]:443"]);
    expect(ok.payments.maxResponseBytes).toBe(1_048_576);
    expect(parseEnv({}).payments.allowedPrivateHosts).toEqual([]);
    for (const bad of ["*", "true", "127.0.0.1", "http://127.0.0.1:80", "host:99999"]) {
      expect(() => parseEnv({ X402_ALLOWED_PRIVATE_HOSTS: bad })).toThrow(/X402_ALLOWED_PRIVATE_HOSTS/);
    }
    expect(() => parseEnv({ X402_MAX_RESPONSE_BYTES: "10" })).toThrow(/X402_MAX_RESPONSE_BYTES/);
    expect(parseEnv({ NEXTAUTH_URL: "http://127.0.0.1:3000" }).payments.selfHosts).toEqual([
      "127.0.0.1:3000",
    ]);
  });

  it("X402_MIN_CANCELS_FUNDED: on-chain cancels the payer's ETH must fund (default 20), a whole number 1-100000", () => {
    expect(parseEnv({}).alerts.minCancelsFunded).toBe(20);
    expect(parseEnv({ X402_MIN_CANCELS_FUNDED: "5" }).alerts.minCancelsFunded).toBe(5);
    for (const bad of ["0", "-1", "2.5", "lots", "100001"]) {
      let error: unknown;
      try {
        parseEnv({ X402_MIN_CANCELS_FUNDED: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EnvError);
      expect((error as EnvError).issues.map((i) => i.variable)).toEqual(["X402_MIN_CANCELS_FUNDED"]);
    }
  });

  it("X402_TRUSTED_PROXIES: addresses and CIDRs (unset: none); a bad entry stops start-up naming the variable", () => {
    expect(parseEnv({}).trustedProxies).toEqual([]);
    expect(
      parseEnv({ X402_TRUSTED_PROXIES: " 10.0.0.0/8, 192.0.2.7 ,fd00::/8,loopback" }).trustedProxies,
    ).toEqual(["10.0.0.0/8", "192.0.2.7", "fd00::/8", "loopback"]);
    for (const bad of ["proxy.example.com", "10.0.0.1/33", "10.0.0.0/8, 300.1.1.1"]) {
      let error: unknown;
      try {
        parseEnv({ X402_TRUSTED_PROXIES: bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EnvError);
      expect((error as EnvError).issues.map((i) => i.variable)).toEqual(["X402_TRUSTED_PROXIES"]);
      expect((error as EnvError).message).toMatch(/X402_TRUSTED_PROXIES: ".+" is not an address or CIDR/);
    }
  });

  it("an empty variable counts as unset", () => {
    expect(parseEnv({ X402_HARD_LIMIT_USDC: "", DATABASE_URL: "" }).budget.hardLimitMicro).toBe(10_000_000n);
  });

  it("in tests, env() reads process.env on every call (lib/testing/env-setup.ts, for every file)", () => {
    const before = process.env.X402_PAYMENTS_DISABLED;
    try {
      process.env.X402_PAYMENTS_DISABLED = "false";
      expect(env().budget.paymentsDisabled).toBe(false);
      process.env.X402_PAYMENTS_DISABLED = "true";
      expect(env().budget.paymentsDisabled).toBe(true);
    } finally {
      if (before === undefined) delete process.env.X402_PAYMENTS_DISABLED;
      else process.env.X402_PAYMENTS_DISABLED = before;
    }
  });
});
