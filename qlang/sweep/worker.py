"""One run of a sweep, in its own process: ``python -m qlang.sweep.worker`` reads a JSON
job on stdin and trains it into its run folder.

The job: ``{"file": the model file, "model": its name, "source": the run's model source,
"out": the run folder, "resume": true to continue an interrupted run there, "allow":
``--allow-path`` folders, "memory": the ``--memory`` budget or null}``. The source
is lowered as if it were the file (imports and data paths relative to the file's folder,
the file's access policy), then trained by :func:`qlang.train.api.train_run`. Exit codes
follow the CLI: 0 done, 1 a coded diagnostic (printed), 2 an internal error, 130
interrupted. On Linux the worker dies with the sweep process that started it.

Example::

    >>> sorted(JOB_KEYS)
    ['allow', 'file', 'memory', 'model', 'out', 'resume', 'source']
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

JOB_KEYS = frozenset({"file", "model", "source", "out", "resume", "allow", "memory"})


def run_job(job: dict[str, Any]) -> Path | None:
    """Train one job (see the module docstring); the run folder written."""
    from qlang.commands._common import model_scope
    from qlang.parser import parse
    from qlang.semantics import Loader
    from qlang.semantics.models import lower_model
    from qlang.train.api import train_run

    file = Path(job["file"])
    source = str(job["source"])
    with model_scope(file, job["memory"], tuple(job["allow"])):
        loader = Loader()
        module = loader.load_parsed(parse(source, str(file)), file, source)
        loader.check()
        model = lower_model(loader, module, job["model"])
        out = Path(job["out"])
        result = train_run(
            model,
            out=None if job["resume"] else out,
            resume=out if job["resume"] else None,
            quiet=True,
            base_dir=file.parent,
            source=source,
        )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return result.path


def main() -> int:
    from qlang.commands._common import exit_internal, report_errors
    from qlang.diagnostics import QLangError

    try:
        job = json.loads(sys.stdin.read())
        if not isinstance(job, dict) or set(job) != JOB_KEYS:
            raise ValueError("a sweep job needs exactly the keys " + ", ".join(sorted(JOB_KEYS)))
        path = run_job(job)
    except QLangError as err:
        report_errors(err)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - reported as an internal error (exit 2)
        exit_internal(exc)
    print(f"wrote {path}/", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a process by qlang.sweep.runner
    sys.exit(main())
