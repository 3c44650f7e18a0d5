import { describe, expect, it, vi } from "vitest";

describe("classifyError", () => {
  it("recognises errors built by another copy of the module (a second bundle), where instanceof fails", async () => {
    const first = await import("./errors");
    vi.resetModules();
    const second = await import("./errors");
    const money = await import("./money");
    const foreign = new second.InvalidInputError("invalid_request", "url must be http or https");
    expect(foreign instanceof first.InvalidInputError).toBe(false);
    expect(first.classifyError(foreign)).toEqual({
      kind: "invalid_input",
      code: "invalid_request",
      message: "url must be http or https",
      details: {},
    });
    expect(
      first.classifyError(new second.OperationError("wallet_not_configured", "set it", { a: 1 })),
    ).toEqual({
      kind: "operation",
      code: "wallet_not_configured",
      message: "set it",
      details: { a: 1 },
    });
    expect(first.classifyError(new money.MoneyParseError("1.2.3", "not a number"))).toMatchObject({
      kind: "invalid_input",
      code: "invalid_amount",
    });
  });

  it("anything else is not classified (a bug, answered as 500)", () => {
    return import("./errors").then(({ classifyError }) => {
      expect(classifyError(new Error("boom"))).toBeNull();
      expect(classifyError({ name: "InvalidInputError" })).toBeNull();
      expect(classifyError("nope")).toBeNull();
      expect(classifyError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBeNull();
    });
  });
});
