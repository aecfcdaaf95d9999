"""The store tests' databases (``database_url``, ``postgres_url``) are in tests/conftest.py."""
