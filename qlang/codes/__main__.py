"""``python -m qlang.codes [--check] [ROOT]``: write the generated error pages under ROOT.

ROOT is the repository root (default: the current directory). With ``--check`` nothing is
written; the exit status is 1 when a page is missing or out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qlang.codes import render_docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qlang.codes", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path.cwd())
    parser.add_argument("--check", action="store_true", help="only report stale pages")
    args = parser.parse_args(argv)
    stale = []
    for rel, text in render_docs().items():
        path = args.root / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for rel in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {rel}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
