"""Incidents: the managed response to a crisis, and its timeline."""
