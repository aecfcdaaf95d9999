"""Screenline audio."""
