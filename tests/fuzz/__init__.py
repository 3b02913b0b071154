"""Fuzzing the whole command line: seeded adversarial inputs, worker processes with time
and memory limits (``tests/fuzz/cases.py``, ``tests/fuzz/runner.py``)."""
