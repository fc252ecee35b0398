"""The post-crisis report: what happened, how fast the team was, how the conversation moved, what to change."""
