"""Triage: severity, routing of signals into alert groups, escalation to people."""
