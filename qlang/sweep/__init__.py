"""Sweeps: one model trained over a grid of settings and seeds, with a table of runs.

``qlang sweep FILE --grid "optimizer = [cobyla(maxiter = 100), aqgd()]; seed = 0..5"``
(or a ``sweep { ... }`` block in the model) expands the grid into runs
(:mod:`qlang.sweep.grid`), plans the sweep folder and checks every run's model before any
training (:mod:`qlang.sweep.plan`), trains the runs in parallel worker processes, each a
normal run folder (:mod:`qlang.sweep.runner`, :mod:`qlang.sweep.worker`), and writes the
``runs.csv`` / ``runs.json`` table that ``qlang runs DIR`` prints and plots
(:mod:`qlang.sweep.table`). A failed run is recorded and the others go on; running the
same sweep again skips finished runs and resumes interrupted ones. See docs/sweeps.md.
"""
