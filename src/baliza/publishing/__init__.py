"""Publishing: the content calendar, its crisis freeze, and publisher plugins (dry run by default)."""
