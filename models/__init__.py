"""Screenline models."""
