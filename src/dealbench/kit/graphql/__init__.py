"""Strawberry building blocks shared by every domain's GraphQL face: the request context, scoped
fields, list envelopes and paging, types generated from the Pydantic schemas."""
