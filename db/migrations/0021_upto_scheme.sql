DROP INDEX "transactions_payer_nonce_key";--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "scheme" text DEFAULT 'exact' NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "max_amount_micro" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_payer_nonce_key" ON "transactions" USING btree (lower("payer"),"scheme",lower("nonce")) WHERE "transactions"."nonce" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_scheme_known" CHECK ("transactions"."scheme" IN ('exact', 'upto'));--> statement-breakpoint
-- The payer names the scheme in the row's metadata (the budget engine's batch function inserts
-- the row and stays scheme-agnostic); an `upto` row's max_amount_micro is the reserved maximum.
CREATE FUNCTION transactions_scheme_from_metadata() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only a known scheme: an imported row's metadata may carry anything.
  IF NEW.metadata->>'scheme' IN ('exact', 'upto') THEN
    NEW.scheme := NEW.metadata->>'scheme';
  END IF;
  IF NEW.scheme = 'upto' AND NEW.max_amount_micro IS NULL THEN
    NEW.max_amount_micro := NEW.amount_micro;
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER transactions_scheme_from_metadata BEFORE INSERT ON "transactions"
  FOR EACH ROW EXECUTE FUNCTION transactions_scheme_from_metadata();
