"""Shops."""
