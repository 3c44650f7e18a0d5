import { defineConfig } from "drizzle-kit";

// Generating migrations needs no database; applying them is `npm run db:migrate`.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://localhost/x402" },
});
