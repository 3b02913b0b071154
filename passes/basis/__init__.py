"""Basis translation to named and user-given gate sets."""
