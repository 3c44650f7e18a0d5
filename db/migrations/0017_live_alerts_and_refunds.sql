CREATE TYPE "public"."refund_state" AS ENUM('none', 'requested', 'refunded', 'written_off');--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "once_key" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "unserved_cause" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "refund_state" "refund_state" DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "refund_note" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "refund_by" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "refund_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_once_key" ON "alerts" USING btree ("once_key");--> statement-breakpoint
CREATE INDEX "transactions_unserved_idx" ON "transactions" USING btree ("created_at" DESC NULLS LAST) WHERE "transactions"."unserved_cause" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "transactions_refund_state_idx" ON "transactions" USING btree ("refund_state","created_at" DESC NULLS LAST) WHERE "transactions"."refund_state" <> 'none';--> statement-breakpoint
CREATE INDEX "transactions_resource_completed_idx" ON "transactions" USING btree ("resource_url","created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "transactions"."status" = 'completed';--> statement-breakpoint
-- Paid but not served (lib/payment-core/alerts/live.ts): as a row becomes `completed` (the payer's
-- commit, or the settlement resolver's capture from the chain), the vendor failure recorded on it
-- is kept in `unserved_cause`, because completing clears `error_code`. The failure is either the
-- cause the payer wrote on the signed row before asking the chain (error_code of an `authorized`
-- row; a `failed` row with a nonce was released unserved and is now found paid), or the response
-- error of a settled answer whose body could not be read (metadata.response.error). Row level,
-- fired only by the completing update, so the batch function pays nothing for other writes.
CREATE FUNCTION transactions_mark_unserved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.unserved_cause := coalesce(NEW.unserved_cause, NEW.metadata #>> '{response,error}',
    CASE WHEN OLD.status IN ('authorized', 'failed') AND OLD.nonce IS NOT NULL THEN OLD.error_code END);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER transactions_mark_unserved BEFORE UPDATE OF status ON transactions
  FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
  EXECUTE FUNCTION transactions_mark_unserved();
