CREATE TABLE "wallet_fundings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tx_hash" text NOT NULL,
	"from_address" text NOT NULL,
	"to_address" text NOT NULL,
	"amount_micro" bigint NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"confirmations" integer NOT NULL,
	"network" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "wallet_fundings_tx_hash_unique" UNIQUE("tx_hash"),
	CONSTRAINT "wallet_fundings_amount_positive" CHECK ("wallet_fundings"."amount_micro" > 0)
);
--> statement-breakpoint
CREATE INDEX "wallet_fundings_recorded_idx" ON "wallet_fundings" USING btree ("recorded_at" DESC NULLS LAST,"id" DESC NULLS LAST);