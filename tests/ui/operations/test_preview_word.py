"""One word for one thing: every operation dialog and command calls its no-change plan a preview."""

from __future__ import annotations

import argparse
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget

from opsdesk.commands.write_flow import add_write_options
from opsdesk.ui.operations.operation_dialog import OperationDialog
from opsdesk.ui.operations.queue_action_dialogs import (
    DeadLetterDialog,
    MoveDialog,
    PurgeDialog,
    SendHomeDialog,
)
from opsdesk.ui.operations.replay_dialog import ReplayDialog
from tests.operations.conftest import make_profile


def shown_texts(widget: QWidget) -> list[str]:
    """Every text a person can read in `widget`: titles, labels, buttons, tooltips, hints."""
    texts = [widget.windowTitle(), widget.toolTip()]
    for child in widget.findChildren(QWidget):
        texts.append(child.toolTip())
        if isinstance(child, QAbstractButton | QLabel):
            texts.append(child.text())
        elif isinstance(child, QLineEdit):
            texts.append(child.placeholderText())
    return [t for t in texts if t]


def test_every_operation_dialog_says_preview(qtbot, tmp_path: Path) -> None:
    profile, db_path = make_profile(), tmp_path / "history.sqlite"
    dialogs: list[OperationDialog] = [
        MoveDialog(profile, db_path, "q"),
        DeadLetterDialog(profile, db_path, "q"),
        SendHomeDialog(profile, db_path, "q"),
        PurgeDialog(profile, db_path, "q"),
        ReplayDialog(["evt-1"], profile, db_path),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert dialog.preview_button.text() == "Preview", type(dialog).__name__
        texts = shown_texts(dialog)
        assert not [t for t in texts if "dry run" in t.lower()], type(dialog).__name__
        assert "Preview" in dialog.plan_view.text()  # "…then Preview."
        dialog.shutdown()


def test_the_commands_dry_run_option_is_called_a_preview() -> None:
    parser = argparse.ArgumentParser()
    add_write_options(parser)
    (dry_run,) = [a for a in parser._actions if "--dry-run" in a.option_strings]
    assert dry_run.help is not None and dry_run.help.startswith("preview")
