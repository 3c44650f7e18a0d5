-- New enum values cannot be used in the transaction that adds them (the migrator runs every
-- pending migration in one), so the type is rebuilt instead of ALTER TYPE ... ADD VALUE.
-- Rows already pending with a nonce were signed: they become 'authorized'.
ALTER TYPE "public"."transaction_status" RENAME TO "transaction_status_v1";--> statement-breakpoint
CREATE TYPE "public"."transaction_status" AS ENUM('pending', 'authorized', 'completed', 'failed', 'cancelled', 'rejected');--> statement-breakpoint
ALTER TABLE "transactions" ALTER COLUMN "status" TYPE "public"."transaction_status" USING (
  CASE WHEN "status"::text = 'pending' AND "nonce" IS NOT NULL THEN 'authorized' ELSE "status"::text END
)::"public"."transaction_status";--> statement-breakpoint
DROP TYPE "public"."transaction_status_v1";--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "block_number" bigint;--> statement-breakpoint
CREATE INDEX "transactions_nonce_idx" ON "transactions" USING btree ("nonce");--> statement-breakpoint
CREATE INDEX "transactions_open_idx" ON "transactions" USING btree ("created_at") WHERE "transactions"."status" IN ('pending', 'authorized');
