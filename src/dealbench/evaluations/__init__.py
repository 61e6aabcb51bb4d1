"""Evaluations (plans): content, activity, plan templates and the criteria library (Opine ``/v1``)."""
