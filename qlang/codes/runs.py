"""Codes of run folders, checkpoints and resuming (QL0850-QL0879): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0850"].title
    'the output folder is not a qlang run'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "runs",
    "Run folder errors",
    "Raised by `qlang train` while it claims, checkpoints, resumes and finishes a run "
    "folder (`qlang/train/runs.py`, `qlang/train/artifacts.py`). A run folder holds "
    "`run.json` (the manifest: format, model name, source hash, files written, complete "
    "flag); qlang never deletes or overwrites anything that is not a complete earlier run "
    "of the same model.",
    "QL0850",
    "QL0879",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0850",
        "the output folder is not a qlang run",
        "cd my_project && qlang train m.qml --out .",
        "qlang train m.qml --out runs/m",
        "`--out` names a folder that exists, is not empty and has no qlang manifest "
        "(`run.json`): it holds someone's files. Nothing was written or deleted. Name a new "
        "or empty folder.",
    ),
    ErrorInfo(
        "QL0851",
        "the run folder cannot be replaced",
        "qlang train other.qml --out runs/m --overwrite   # runs/m is model `m`",
        "qlang train other.qml --out runs/other",
        "`--overwrite` replaces only a complete earlier run of the same model. An "
        "interrupted run is continued with `--resume DIR`; a run of another model is kept.",
    ),
    ErrorInfo(
        "QL0852",
        "the run folder is in use",
        "qlang train m.qml --out runs/m &\nqlang train m.qml --out runs/m",
        "qlang train m.qml --out runs/m &\nqlang train m.qml --out runs/m-b",
        "Another `qlang train` holds the folder's lock (`.lock`, with its process id). "
        "Wait for it, or write to another folder. A lock left by a process that no longer "
        "runs is taken over.",
    ),
    ErrorInfo(
        "QL0853",
        "the run cannot be resumed",
        "qlang train m.qml --resume runs/m     # the model changed since, or runs/m is done",
        "qlang train m.qml --out runs/m-2",
        "`--resume DIR` continues an interrupted run of the same model file (same source "
        "hash, seed and epochs) from its last checkpoint, to the same weights an "
        "uninterrupted run gives. A complete run, a run without a checkpoint, a changed "
        "model or a scipy optimizer (cobyla, nelder_mead, lbfgsb: their state cannot be "
        "saved) cannot be resumed.",
    ),
    ErrorInfo(
        "QL0854",
        "corrupted manifest or checkpoint",
        "runs/m/run.json edited by hand, or checkpoint.json truncated",
        "qlang train m.qml --out runs/m-2",
        "The run folder's `run.json` or `checkpoint.json` is not what qlang wrote: invalid "
        "JSON, missing keys, wrong types or non-finite numbers.",
    ),
    ErrorInfo(
        "QL0855",
        "the run folder cannot be written",
        "qlang train m.qml --out /read-only/runs/m",
        "qlang train m.qml --out runs/m",
        "Creating or writing the run folder failed (permissions, a file in the way, or a "
        "full disk). Files of earlier runs are left as they were.",
    ),
)
