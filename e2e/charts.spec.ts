import { expect, test } from "./fixtures";

test("an unknown agent answers 404 with the not-found page", async ({ as }) => {
  const page = await as("viewer");
  const response = await page.goto("/agents/no_such_agent_anywhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "No such agent" })).toBeVisible();
});
