import { readFileSync } from "node:fs";
import path from "node:path";

export const STATE_FILE = path.join(import.meta.dirname, ".state.json");

export const E2E_PASSWORDS = {
  viewer: "e2e-viewer-password-1",
  operator: "e2e-operator-password-1",
  approver: "e2e-approver-password-1",
  admin: "e2e-admin-password-1",
} as const;
export type Role = keyof typeof E2E_PASSWORDS;
export const ROLES: Role[] = ["viewer", "operator", "approver", "admin"];

export interface E2eState {
  baseURL: string;
  dbUrl: string;
  metricsToken: string;
  vendorUrl: string;
  payerAddress: string;
  agentKeys: Record<string, string>;
}

export function e2eState(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as E2eState;
}
