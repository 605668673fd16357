"""Secrets and personal data: the credential store, BI logins, log redaction, keyed hashes."""
