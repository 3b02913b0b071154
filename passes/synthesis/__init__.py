"""Exact (and, for Clifford+T, approximate) synthesis of small unitaries."""
