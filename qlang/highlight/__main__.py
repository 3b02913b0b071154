"""``python -m qlang.highlight [--check] [ROOT]``: write the TextMate grammar under ROOT.

ROOT is the repository root (default: the current directory). With ``--check`` nothing is
written; the exit status is 1 when the file is missing or out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qlang.highlight.textmate import PATH, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qlang.highlight", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path.cwd())
    parser.add_argument("--check", action="store_true", help="only report a stale file")
    args = parser.parse_args(argv)
    path = args.root / PATH
    text = render()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return 0
    if args.check:
        print(f"stale: {PATH} (run `python -m qlang.highlight`)", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote: {PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
