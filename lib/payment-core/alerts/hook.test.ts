import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { createPaymentService } from "../x402/service";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("onPaymentFinished", () => {
  it("is told of each outcome after the caller has it, and a throwing hook changes nothing", async () => {
    const env = parseEnv({
      X402_NETWORK: "eip155:31337",
      X402_USDC_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      X402_PAYER_PRIVATE_KEY: `0x${"11".repeat(32)}`,
    });
    const events: { agentId: string; ok: boolean }[] = [];
    const service = createPaymentService(t.db, env, {
      onPaymentFinished: (event) => {
        events.push(event);
        throw new Error("a broken hook");
      },
    });
    const outcome = await service.payer?.payForService({
      agentId: "builder_agent",
      url: "http://169.254.169.254/latest/meta-data/",
      idempotencyKey: "hook-1",
    });
    expect(outcome?.ok).toBe(false);
    // Not yet: the hook runs after the payment has returned.
    expect(events).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([{ agentId: "builder_agent", ok: false }]);
  });
});
