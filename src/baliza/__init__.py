"""Baliza: self-hosted social media crisis management."""

__version__ = "0.1.0"
__all__ = ["__version__"]
