"""Accounts: people who log in, their roles per workspace, sessions and API tokens."""
