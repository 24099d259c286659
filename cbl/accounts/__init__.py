"""Accounts: users, roles, sign-in and sessions."""
