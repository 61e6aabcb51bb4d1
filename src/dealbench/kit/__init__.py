"""Shared machinery with no domain knowledge: database, errors, repositories, pagination, JSON, rate limits."""
