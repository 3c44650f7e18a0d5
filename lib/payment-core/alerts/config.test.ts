import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("alert configuration (lib/env.ts)", () => {
  it("has the guide's defaults", () => {
    expect(parseEnv({}).alerts).toMatchObject({
      lowBalanceMicro: 50_000_000n,
      failureRatePct: 5,
      minSample: 10,
      retryRatePct: 10,
      vendorStreakWarning: 3,
      vendorStreakCritical: 5,
      discordWebhookUrl: undefined,
      webhookUrl: undefined,
      priceDriftPct: 20,
    });
  });

  it("reads X402_PRICE_DRIFT_PCT as a whole percentage and names it when it is wrong", () => {
    expect(parseEnv({ X402_PRICE_DRIFT_PCT: "35" }).alerts.priceDriftPct).toBe(35);
    for (const bad of ["0", "12.5", "-3", "abc"]) {
      expect(() => parseEnv({ X402_PRICE_DRIFT_PCT: bad })).toThrow(/X402_PRICE_DRIFT_PCT/);
    }
  });

  it("reads the variables; webhook URLs are https, or http only to this machine", () => {
    const alerts = parseEnv({
      X402_LOW_BALANCE_USDC: "75.5",
      X402_ALERT_FAILURE_RATE_PCT: "7",
      X402_DISCORD_WEBHOOK_URL: "https://discord.com/api/webhooks/1/abc",
      X402_ALERT_WEBHOOK_URL: "http://127.0.0.1:9000/hook",
    }).alerts;
    expect(alerts.lowBalanceMicro).toBe(75_500_000n);
    expect(alerts.failureRatePct).toBe(7);
    expect(alerts.discordWebhookUrl).toBe("https://discord.com/api/webhooks/1/abc");
    for (const bad of ["http://discord.com/api/webhooks/1/abc", "ftp://x", "https://user:pw@example.com/"]) {
      expect(() => parseEnv({ X402_DISCORD_WEBHOOK_URL: bad })).toThrow(EnvError);
    }
    expect(() => parseEnv({ X402_LOW_BALANCE_USDC: "-1" })).toThrow(/X402_LOW_BALANCE_USDC/);
    // The message names the variable, never the URL (its path is the webhook's secret).
    try {
      parseEnv({ X402_ALERT_WEBHOOK_URL: "http://10.0.0.1/secret-token" });
    } catch (error) {
      expect((error as Error).message).toContain("X402_ALERT_WEBHOOK_URL");
      expect((error as Error).message).not.toContain("secret-token");
    }
  });
});
