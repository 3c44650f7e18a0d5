CREATE TYPE "public"."payer_rotation_state" AS ENUM('registered', 'proven', 'approved', 'test_paid', 'swept', 'completed', 'cancelled');--> statement-breakpoint
CREATE TABLE "payer_rotations" (
	"id" text PRIMARY KEY NOT NULL,
	"old_wallet" text NOT NULL,
	"new_wallet" text NOT NULL,
	"state" "payer_rotation_state" DEFAULT 'registered' NOT NULL,
	"nonce" text NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"network" text NOT NULL,
	"proof_signature" text,
	"approval_signature" text,
	"approver" text,
	"test_payment_tx_id" text,
	"sweep_tx_hash" text,
	"sweep_amount_micro" bigint,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"proven_at" timestamp with time zone,
	"approved_at" timestamp with time zone,
	"test_paid_at" timestamp with time zone,
	"swept_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "payer_rotations_nonce_unique" UNIQUE("nonce")
);
--> statement-breakpoint
ALTER TABLE "wallets" ADD COLUMN "key_ref" text;--> statement-breakpoint
ALTER TABLE "payer_rotations" ADD CONSTRAINT "payer_rotations_old_wallet_wallets_address_fk" FOREIGN KEY ("old_wallet") REFERENCES "public"."wallets"("address") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payer_rotations" ADD CONSTRAINT "payer_rotations_new_wallet_wallets_address_fk" FOREIGN KEY ("new_wallet") REFERENCES "public"."wallets"("address") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payer_rotations_one_open" ON "payer_rotations" USING btree ((true)) WHERE "payer_rotations"."state" NOT IN ('completed', 'cancelled');--> statement-breakpoint
CREATE INDEX "payer_rotations_created_idx" ON "payer_rotations" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "wallets_one_active_payer" ON "wallets" USING btree ("role") WHERE "wallets"."active" AND "wallets"."role" = 'payer';