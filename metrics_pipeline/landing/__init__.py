"""The landing template every source shares: ingestion bookkeeping, exports, outcomes."""
