"""Keeping the pipeline healthy: failure causes, retries, alert rules, landing checks, Celery."""
