import { describe, expect, it } from "vitest";
import { parseUsdc } from "../support/money";
import { consoleAlertText, consoleLine } from "./console-text";
import { budgetMessage, payerLowGasMessage, walletLowMessage } from "./messages";

/** Issue 29: the console's own format for alerts; the Discord text (messages.ts) stays as sent. */

const stored = (m: ReturnType<typeof budgetMessage>) => ({
  kind: m.code,
  message: [m.title, ...m.lines].join("\n"),
  figures: m.figures,
});
const EMOJI = /\p{Extended_Pictographic}/u;

describe("alerts in the console", () => {
  it("a budget alert: no emoji, $12.00 of $12.00; Discord's text unchanged", () => {
    const discord = budgetMessage({
      code: "budget_exhausted",
      severity: "critical",
      agentId: "builder_agent",
      period: "daily",
      usedMicro: parseUsdc("12"),
      limitMicro: parseUsdc("12"),
      remainingMicro: 0n,
      thresholdPct: null,
    });
    expect(discord.title).toBe("💰 Agent Budget Alert");
    expect(discord.lines).toContain("Used: 100% of daily budget ($12/$12)");
    const shown = consoleAlertText(stored(discord));
    expect(shown).toEqual({
      title: "Agent budget: daily limit reached",
      lines: ["Used 100% of the daily budget: $12.00 of $12.00", "Remaining: $0.00"],
    });
  });

  it("a budget threshold says the percentage; the wallet and gas alerts in cents and 6-decimal ETH", () => {
    const threshold = budgetMessage({
      code: "budget_threshold",
      severity: "warning",
      agentId: "research_agent",
      period: "monthly",
      usedMicro: parseUsdc("80.5"),
      limitMicro: parseUsdc("100"),
      remainingMicro: parseUsdc("19.5"),
      thresholdPct: 80,
    });
    expect(consoleAlertText(stored(threshold)).title).toBe("Agent budget: 80% of the monthly limit");
    expect(consoleAlertText(stored(threshold)).lines[0]).toBe(
      "Used 80% of the monthly budget: $80.50 of $100.00",
    );

    const wallet = consoleAlertText(stored(walletLowMessage(parseUsdc("25.5"), parseUsdc("50"))));
    expect(wallet).toEqual({
      title: "Payment wallet balance low",
      lines: ["Balance: $25.50, below the $50.00 threshold", "Fund the wallet now"],
    });

    const gas = payerLowGasMessage(
      {
        address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        balanceWei: 1_234_567_890_123_456n,
        cancelGas: 63_618n,
        maxFeePerGasWei: 1_171_494_520n,
        perCancelWei: 74_528_138_373_360n,
      },
      16n,
      20,
    );
    expect(gas.lines[0]).toContain("0.001234567890123456 ETH"); // Discord keeps its text
    const shownGas = consoleAlertText(stored(gas));
    expect(shownGas.lines[0]).toBe("Balance: 0.001235 ETH on 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    expect(shownGas.lines[1]).toBe("Per cancel: 0.000075 ETH; cancels funded: 16 (minimum 20)");
  });

  it("any other alert: its text without emoji, whole dollars in cents", () => {
    const shown = consoleAlertText({
      kind: "vendor_price_up",
      message: "🏷️ Vendor Price Up\nVendor: api.example.com\nPrice: $1 → $1.50 ($95/$100 of the cap)",
      figures: {},
    });
    expect(shown.title).toBe("Vendor Price Up");
    expect(shown.lines).toEqual([
      "Vendor: api.example.com",
      "Price: $1.00 → $1.50 ($95.00 of $100.00 of the cap)",
    ]);
    for (const line of [shown.title, ...shown.lines]) expect(line).not.toMatch(EMOJI);
    expect(consoleLine("⚠️ Payment Wallet Balance Low")).toBe("Payment Wallet Balance Low");
    expect(consoleLine("Current: $25.50, $1,000 and $0.001")).toBe("Current: $25.50, $1,000.00 and $0.001");
  });
});
