"""Screenline agent."""
