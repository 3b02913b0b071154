"""Optimisation passes: cancellation, rotation merging, zero removal, resynthesis."""
