"""Notifications: what to tell a person (``messages``), getting it to them through apprise (``sender``),
and the signed links they use to acknowledge (``tokens``)."""
