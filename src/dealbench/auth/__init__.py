"""Who is calling: the principal every request resolves to, scopes and role bounds, and the
authentication of API tokens (every dialect's token forms)."""
