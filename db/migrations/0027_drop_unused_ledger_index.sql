DROP INDEX "transactions_nonce_idx";--> statement-breakpoint
DROP INDEX "transactions_tx_hash_idx";--> statement-breakpoint
CREATE INDEX "transactions_tx_hash_idx" ON "transactions" USING btree ("tx_hash") WHERE "transactions"."tx_hash" IS NOT NULL;--> statement-breakpoint
-- Rate-limit counts: written on every API request, needed by no recovery (db/schema/rate-limits.ts).
ALTER TABLE "rate_limits" SET UNLOGGED;
