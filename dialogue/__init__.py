"""Screenline dialogue."""
