"""Accounts: users, roles, API keys, sign-in and the ``users`` CLI."""
