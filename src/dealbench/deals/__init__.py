"""Deals (Opine ``/v1/deals``): CRM-style deals with notes, soft deletion and external ids."""
