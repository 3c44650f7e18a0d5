CREATE TABLE "transaction_responses" (
	"transaction_id" text PRIMARY KEY NOT NULL,
	"status" integer NOT NULL,
	"response" text NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
