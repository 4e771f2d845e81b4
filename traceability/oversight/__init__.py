"""Oversight: the inspector's trace, holds and recalls, inspections and the audit log."""
