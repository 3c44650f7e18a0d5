import { describe, expect, it } from "vitest";
import { auditDiff, auditHref, parseAuditQuery } from "./audit-log";

describe("audit log filters", () => {
  it("turns the form into the query, with UTC days both inclusive", () => {
    const parsed = parseAuditQuery({
      actor: "admin@example.com",
      action: "user.role_set",
      type: "user",
      target: "u1",
      from: "2026-11-01",
      to: "2026-11-26",
    });
    expect(parsed).toMatchObject({
      ok: true,
      filter: {
        actor: "admin@example.com",
        action: "user.role_set",
        targetType: "user",
        targetId: "u1",
        from: "2026-11-01T00:00:00.000Z",
        to: "2026-11-27T00:00:00.000Z",
        hideActions: ["user.sign_in", "auth.sign_in_failed"],
      },
      position: { trail: [] },
    });
  });

  it("empty inputs are no filter: only sign-ins are hidden", () => {
    const parsed = parseAuditQuery(new URLSearchParams("actor=&action=&type=&target=&from=&to=&signins="));
    expect(parsed).toMatchObject({ ok: true, params: {} });
    expect(parsed.ok && parsed.filter).toEqual({ hideActions: ["user.sign_in", "auth.sign_in_failed"] });
  });

  it("signins=show in the URL shows sign-ins, and the links keep it", () => {
    const parsed = parseAuditQuery({ signins: "show" });
    expect(parsed).toMatchObject({ ok: true, params: { signins: "show" } });
    expect(parsed.ok && parsed.filter).toEqual({});
    expect(auditHref({ signins: "show" })).toBe("/audit-log?signins=show");
  });

  it.each([
    [{ from: "yesterday" }, "from"],
    [{ to: "2026-13-01" }, "to"],
    [{ from: "2026-11-26", to: "2026-11-01" }, "to"],
    [{ cursor: "%%%" }, "cursor"],
    [{ target: "x".repeat(201) }, "target"],
    [{ signins: "maybe" }, "signins"],
  ])("refuses %j as invalid_filter naming the field", (raw, field) => {
    const parsed = parseAuditQuery(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("invalid_filter");
      expect(parsed.error.field).toBe(field);
    }
  });

  it("links keep the filters and the page position", () => {
    expect(auditHref({ action: "kill_switch.on" }, { cursor: "c2", trail: ["c1"] })).toBe(
      "/audit-log?action=kill_switch.on&cursor=c2&trail=c1",
    );
    expect(auditHref({})).toBe("/audit-log");
  });
});

describe("audit diff", () => {
  it("compares objects key by key", () => {
    expect(
      auditDiff(
        { role: "viewer", disabled: false, gone: 1, nested: { a: 1, b: 2 } },
        { role: "admin", disabled: false, nested: { b: 2, a: 1 }, added: "x" },
      ),
    ).toEqual([
      { key: "role", before: '"viewer"', after: '"admin"', change: "changed" },
      { key: "disabled", before: "false", after: "false", change: "same" },
      { key: "gone", before: "1", after: undefined, change: "removed" },
      // Same content in another key order is not a change.
      { key: "nested", before: '{"a":1,"b":2}', after: '{"a":1,"b":2}', change: "same" },
      { key: "added", before: undefined, after: '"x"', change: "added" },
    ]);
  });

  it("a creation has only an after; a row with neither has nothing to show", () => {
    expect(auditDiff(null, { email: "a@example.com" })).toEqual([
      { key: "email", before: undefined, after: '"a@example.com"', change: "added" },
    ]);
    expect(auditDiff(null, null)).toEqual([]);
    expect(auditDiff(undefined, undefined)).toEqual([]);
  });

  it("values that are not objects are one row", () => {
    expect(auditDiff([1], [1, 2])).toEqual([{ key: "", before: "[1]", after: "[1,2]", change: "changed" }]);
    expect(auditDiff("a", null)).toEqual([{ key: "", before: '"a"', after: undefined, change: "removed" }]);
  });
});
