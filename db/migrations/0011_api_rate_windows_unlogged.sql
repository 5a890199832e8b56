-- Counters, rebuilt by traffic: no WAL for them (see db/schema.ts apiRateWindows).
ALTER TABLE "api_rate_windows" SET UNLOGGED;
