"""The machine-learning runtime: data, tasks, losses, optimizers, layers, training and artifacts.

It drives the simulator in :mod:`qlang.sim` (which imports nothing from here).

Example::

    >>> from qlang.train.api import train, load, evaluate
    >>> callable(train) and callable(load) and callable(evaluate)
    True
"""
