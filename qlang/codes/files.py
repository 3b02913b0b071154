"""Codes of the file access policy (QL0801-QL0819): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0801"].title
    'path outside the project tree'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "files",
    "File access errors",
    "Raised when a model names a file it may not read, or qlang cannot write an output "
    "(`qlang/fileio.py`, `qlang/access.py`). Paths in a model (imports, `csv(...)`, device "
    "files) are relative to the model's folder and must stay inside the model's project "
    "tree: the nearest folder above the model holding `pyproject.toml`, `qlang.toml` or "
    "`.git`, else the model's own folder. `--allow-path DIR` (or `allow=[...]` in the "
    "Python API) adds folders. Diagnostics quote only qlang source, never the contents of "
    "data, device or other files.",
    "QL0801",
    "QL0819",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0801",
        "path outside the project tree",
        'import "../../elsewhere/shared.qml"\nimport "/etc/passwd"',
        'import "lib/shared.qml"     // inside the project\n'
        "qlang check m.qml --allow-path ../../elsewhere",
        "The path (after following symbolic links) leaves the model's project tree. Move "
        "the file into the project, or allow its folder with `--allow-path DIR`.",
    ),
    ErrorInfo(
        "QL0802",
        "not a regular file",
        'import "/dev/zero"\ndata = csv("/proc/self/environ")',
        'import "lib/shared.qml"\ndata = csv("data/train.csv")',
        "Devices, pipes (FIFOs), sockets and the kernel's `/proc`, `/sys` and `/dev` files "
        "are never read: they can block, never end, or expose the machine's state.",
    ),
    ErrorInfo(
        "QL0803",
        "file too large",
        'import "huge.qml"      // a 50 MB source file',
        'import "small.qml"',
        "Source files are limited to 1 MiB, data files to 512 MiB, device files to 16 MiB "
        "and run-folder JSON files to 256 MiB (`qlang/limits.py`).",
    ),
    ErrorInfo(
        "QL0804",
        "import of a file that is not a `.qml` file",
        'import "data/train.csv"',
        'import "lib/shared.qml"\ndata = csv("data/train.csv")',
        "Imports name qlang source files ending in `.qml`; data files are read with "
        "`csv(...)` in a model's `data` entry.",
    ),
    ErrorInfo(
        "QL0805",
        "output file cannot be written",
        "qlang compile m.qml -o /read-only/m.qasm",
        "qlang compile m.qml -o build/m.qasm",
        "The output path is not writable (permissions, a missing drive, a directory in the "
        "way, or a full disk). Nothing was written.",
    ),
)
