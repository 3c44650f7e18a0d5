CREATE TYPE "public"."receipt_status" AS ENUM('verified', 'invalid');--> statement-breakpoint
CREATE TABLE "transaction_receipts" (
	"transaction_id" text PRIMARY KEY NOT NULL,
	"status" "receipt_status" NOT NULL,
	"reason" text,
	"detail" text,
	"format" text,
	"signer" text,
	"expected_signer" text,
	"receipt" jsonb,
	"offer" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "transaction_receipts_invalid_idx" ON "transaction_receipts" USING btree ("created_at") WHERE "transaction_receipts"."status" = 'invalid';