"""Tickets (Opine ``/v1/tickets``): buyer requests linked to deals, with labels."""
