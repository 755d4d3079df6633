"""The options every command takes after its name: --url, --profile, --config, --db, -v."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def common_options(*, under_a_subcommand: bool = False) -> argparse.ArgumentParser:
    """A parent parser with the common options.

    `under_a_subcommand`: for a command's own subcommands (`audit list`), which take them too;
    there they set nothing when absent, since argparse copies a subparser's values over what
    was given before its name (`audit --db h.sqlite list`).
    """
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if under_a_subcommand else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", help="broker URL (overrides the profile and $OPSDESK_URL)", **unset
    )
    common.add_argument(
        "--profile", help="profile name from profiles.toml (default: local)", **unset
    )
    common.add_argument(
        "--config", type=Path, help="profiles file (default: user config dir)", **unset
    )
    common.add_argument("--db", type=Path, help="history file (default: user data dir)", **unset)
    common.add_argument(
        "-v", "--verbose", action="store_true", help="log progress to stderr", **unset
    )
    return common
