"""Every subcommand is a module of opsdesk/commands/ with the one interface, and is registered.

That importing every command module but `gui` (and cli.py, which imports them all) loads no
Qt is held by tests/test_layers.py; that building the parser imports nothing more, here.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import types

import pytest

import opsdesk.commands
from opsdesk.cli import build_parser
from opsdesk.commands import as_command
from opsdesk.commands.registry import COMMANDS


def test_every_registered_command_has_the_interface() -> None:
    names = [command.NAME for command in COMMANDS]
    assert len(set(names)) == len(names) == 17
    for command in COMMANDS:
        assert isinstance(command.NAME, str) and command.NAME
        assert isinstance(command.HELP, str) and command.HELP
        assert list(inspect.signature(command.add_arguments).parameters) == ["parser"]
        assert list(inspect.signature(command.run).parameters) == ["args", "context"]
        command.add_arguments(argparse.ArgumentParser())  # on a parser of its own


def test_every_command_module_is_registered() -> None:
    modules = [
        importlib.import_module(f"opsdesk.commands.{info.name}")
        for info in pkgutil.iter_modules(opsdesk.commands.__path__)
    ]
    with_a_name = {m.__name__ for m in modules if hasattr(m, "NAME")}
    assert with_a_name == {command.__name__ for command in COMMANDS}  # type: ignore[attr-defined]


def test_the_parser_offers_every_command_in_the_registry_order() -> None:
    imported = set(sys.modules)
    parser = build_parser()
    # Adding the options imports nothing (so no Qt either): the engines load in `run` only.
    assert set(sys.modules) - imported == set()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == [command.NAME for command in COMMANDS]


def test_a_module_without_the_interface_is_refused() -> None:
    module = types.ModuleType("opsdesk.commands.half")
    module.NAME = "half"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="lacks HELP, add_arguments, run"):
        as_command(module)
