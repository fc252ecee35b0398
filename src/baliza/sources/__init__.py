"""Sources: configured connector instances per workspace, their cursors and health."""
