"""Sales processes and their stages (Opine ``/v1/sales-processes``, ``/v1/sales-process-stages``)."""
