"""The streams a command talks through: parameters, so tests hand in their own."""

from __future__ import annotations

import sys
from typing import TextIO


class Console:
    """Standard output, error and input unless given others."""

    def __init__(
        self, out: TextIO | None = None, err: TextIO | None = None, stdin: TextIO | None = None
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.stdin = stdin or sys.stdin

    def interactive(self) -> bool:
        """Whether someone at a terminal can answer a question."""
        try:
            return self.stdin.isatty()
        except (AttributeError, ValueError):
            return False
