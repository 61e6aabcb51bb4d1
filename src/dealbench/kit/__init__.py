"""Shared machinery: database, errors, auth principal, pagination, JSON, rate limits."""
