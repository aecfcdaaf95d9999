"""Screenline telephony."""
