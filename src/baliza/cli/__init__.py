"""The ``baliza`` command line (see ``baliza --help``)."""

from baliza.cli.main import app, import_file, main

__all__ = ["app", "import_file", "main"]
