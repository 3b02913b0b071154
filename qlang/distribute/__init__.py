"""One run's batch work on Ray: ``train { distribute = ray(workers, address, block) }``.

Without ``distribute`` a run computes in its own process (the default, unchanged). With
it, the two pieces of a run that grow with the data fan out to Ray in blocks, each block
one batched engine call, and give the serial result to 1e-12:

* the kernel task's Gram matrix (:mod:`qlang.distribute.kernels`): the states of each
  block of rows are computed once, by one Ray task, then every tile ``K[i, j]`` (only
  ``i <= j`` for the symmetric training matrix) is a task on the states in the object
  store; the test x train matrix at evaluation the same way;
* the supervised tasks' batch loss and gradient (:mod:`qlang.distribute.gradients`): the
  batch splits into blocks, each a forward + adjoint pass on a Ray worker that holds the
  network, and the mean losses and gradients are summed with weights ``n_block / n``;
* with ``target { cutting }``, the cut circuit's subexperiments
  (:mod:`qlang.distribute.cutting`): one task per subexperiment and block of rows, forward
  and adjoint gradient, reconstructed on the driver.

``qlang eval`` / ``qlang predict`` of a distributed model run on Ray as well
(:func:`qlang.distribute.run.for_evaluation`; the quantum blocks' forward passes in blocks
of rows, :mod:`qlang.distribute.blocks`).

Settings (:mod:`qlang.distribute.settings`) are checked by ``qlang check`` through the
catalog (:mod:`qlang.catalog.distribute`); the cluster (:mod:`qlang.distribute.cluster`)
is started for the run (or joined at ``address``) and recorded in the run's
``provenance.json``. Ray is an optional extra (``pip install 'qlang[ray]'``); nothing here
imports it before a run asks for it.

Example::

    >>> from qlang.ir.model import Call
    >>> Distribution.from_call(Call("ray", (), (("workers", 2),)))
    Distribution(workers=2, address=None, block=None)
"""

from __future__ import annotations

from qlang.distribute.settings import Distribution, conflicts, with_ray

__all__ = ["Distribution", "conflicts", "with_ray"]
