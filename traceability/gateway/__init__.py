"""Synchronisation with the national traceability gateway: its client and its simulator."""
