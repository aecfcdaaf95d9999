"""Outbound campaigns (issue 15): who to call, when, how often, and what to send afterwards.

The core is pure (``window``, ``retry``, ``outcomes``; the callback-time parser lives with the
language data in ``dialogue/callback_time.py``); ``dialer`` and ``store`` are the database edge,
``followup`` the messaging edge.
"""
