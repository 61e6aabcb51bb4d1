"""Dealbench: a self-hosted platform for technical sales evaluations."""

__version__ = "0.1.0"
