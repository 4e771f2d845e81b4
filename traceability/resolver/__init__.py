"""Resolver: the GS1 Digital Link resolver, the consumer scan page, scan log, copy detection."""
