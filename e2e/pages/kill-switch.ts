import { expect, type Page } from "@playwright/test";

/** The console's kill-switch bar (on every console page) and its confirmation dialog. */
export class KillSwitchBar {
  constructor(readonly page: Page) {}

  get dialog() {
    return this.page.getByRole("dialog");
  }

  /** Stops all payments with `reason`; optionally also cancels outstanding authorizations. */
  async stop(reason: string, options: { cancelOutstanding?: boolean; dialogSays?: string } = {}) {
    await this.page.getByRole("button", { name: "Stop all payments" }).click();
    await this.dialog.getByLabel("Reason (kept in the audit log)").fill(reason);
    if (options.dialogSays) await expect(this.dialog).toContainText(options.dialogSays);
    if (options.cancelOutstanding)
      await this.dialog.getByLabel("and cancel outstanding authorizations").check();
    await this.dialog.getByRole("button", { name: "Stop payments" }).click();
    await expect(this.page.getByText("Payments are stopped (kill switch on)")).toBeVisible();
  }

  async resume(reason: string) {
    await this.page.getByRole("button", { name: "Resume payments" }).click();
    await this.dialog.getByLabel("Reason (kept in the audit log)").fill(reason);
    await this.dialog.getByRole("button", { name: "Resume payments" }).click();
    await expect(this.page.getByText("Payments are running")).toBeVisible();
  }
}
