-- The ledger sorted by agent, status or vendor (lib/payment-core/ledger/keyset.ts): (column, created_at, id)
-- read both ways. The same names, so the equality-plus-newest-first reads that used them still do.
DROP INDEX "transactions_agent_created_idx";--> statement-breakpoint
DROP INDEX "transactions_status_created_idx";--> statement-breakpoint
DROP INDEX "transactions_vendor_created_idx";--> statement-breakpoint
CREATE INDEX "transactions_agent_created_idx" ON "transactions" USING btree ("agent_id" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "transactions_status_created_idx" ON "transactions" USING btree ("status" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "transactions_vendor_created_idx" ON "transactions" USING btree ("vendor" DESC NULLS LAST,"created_at" DESC NULLS LAST,"id" DESC NULLS LAST);