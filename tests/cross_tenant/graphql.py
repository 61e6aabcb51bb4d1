"""The GraphQL endpoint is public at the HTTP level: without a token it serves the public schema.

Its fields carry the scopes and the tenant rules; tests/graphql/ checks them (FORBIDDEN per field,
NOT_FOUND for another tenant's object)."""

from __future__ import annotations

PUBLIC = {
    "GET /graphql",
    "POST /graphql",
}
