"""Outcome feedback and validity: how interview scores relate to post-hire outcomes, weights
suggested from that, and the adverse-impact (four-fifths) table per self-reported group."""
