"""Render time of the worst Markdown shapes at the body size limit. Run by hand, not in CI:

    DEBUG=true .venv/bin/python bench/pathological_markdown.py [--chars 50000]

Prints the seconds `notes.markdown.render_note` takes (the work of one save) for each shape, the
slowest of three runs, so any one above a second shows at a glance.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solo.settings")

import django  # noqa: E402

django.setup()

from notes.markdown import MAX_BODY_CHARS, render_note  # noqa: E402

PROSE = (
    "## A heading\n\nA paragraph with *emphasis*, **strong**, `code` and a [link](https://x.org/)."
    "\n\n- one\n\n- two\n\n```python\ndef f(x):\n    return [x, (x, x)]\n```\n\n> quoted\n\n"
)
SHAPES = {
    "prose": PROSE,
    "[": "[",
    "![": "![",
    "[^": "[^",
    "[a][": "[a][",
    "[](": "[](",
    "*": "*",
    "*a ": "*a ",
    "_": "_a",
    "<": "<",
    "<div>": "<div>",
    "`": "`",
    "``a ": "``a ",
    ">": ">",
    "> ": "> ",
    "# heading lines": "# a\n\n",
    "table rows": "|x|y|\n",
    "footnote definitions": "[^1]: x\n",
    "list nesting": "- x\n  ",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=MAX_BODY_CHARS)
    args = parser.parse_args()
    for name, unit in SHAPES.items():
        body = (unit * (args.chars // len(unit) + 1))[: args.chars]
        if name == "table rows":
            body = "|a|b|\n|-|-|\n" + body
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            render_note(body)
            seconds.append(time.perf_counter() - start)
        print(f"{name:>22}  {max(seconds):.3f} s")


if __name__ == "__main__":
    main()
