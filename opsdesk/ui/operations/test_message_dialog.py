"""Publish one test message: exchange, routing key, headers, body and content type; the
preview says where the route tracer sends it, the run says whether the broker routed it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, Plan
from opsdesk.operations.test_message import MessageDraft, parse_headers
from opsdesk.operations.write_specs import PublishTestSpec
from opsdesk.ui.operations.operation_dialog import PlanJob
from opsdesk.ui.operations.single_write_dialog import SingleWriteDialog, audit_line, open_non_modal

CONTENT_TYPES = ("application/json", "text/plain", "application/octet-stream")
HEADERS_HINT = 'one a line: NAME=VALUE (text) or NAME:=JSON (n:=2, CC:=["a.b"])'


class TestMessageDialog(SingleWriteDialog):
    """One message, typed; mandatory and confirmed, so the broker says whether it was routed."""

    __test__ = False  # a dialog, not a pytest class

    def __init__(
        self,
        profile: Profile,
        db_path: Path,
        *,
        exchange: str = "",
        routing_key: str = "",
        headers: str = "",
        exchanges: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Publish a Test Message", profile, db_path, parent)
        self.exchange_edit = QLineEdit(exchange)
        self.exchange_edit.setAccessibleName("Exchange")
        self.exchange_edit.setPlaceholderText("empty: the default exchange (routing key = queue)")
        names = sorted(name for name in exchanges if name)
        if names:
            completer = QCompleter(names, self.exchange_edit)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            self.exchange_edit.setCompleter(completer)
        self.key_edit = QLineEdit(routing_key)
        self.key_edit.setAccessibleName("Routing key")
        self.headers_edit = _text_edit(headers, HEADERS_HINT, "Headers", lines=3)
        self.content_type = QComboBox()
        self.content_type.setEditable(True)
        self.content_type.addItems(CONTENT_TYPES)
        self.content_type.setAccessibleName("Content type")
        self.body_edit = _text_edit("{}", "the body, sent as UTF-8", "Body", lines=5)
        form = QFormLayout()
        form.addRow("&Exchange:", self.exchange_edit)
        form.addRow("&Routing key:", self.key_edit)
        form.addRow("&Headers:", self.headers_edit)
        form.addRow("Content &type:", self.content_type)
        form.addRow("&Body:", self.body_edit)
        holder = QWidget()
        holder.setLayout(form)
        self.parameters_layout.addWidget(holder)
        for edit in (self.exchange_edit, self.key_edit):
            edit.textChanged.connect(self.invalidate)
        for text in (self.headers_edit, self.body_edit):
            text.textChanged.connect(self.invalidate)
        self.content_type.currentTextChanged.connect(self.invalidate)
        self.preview_button.setDefault(True)

    def plan_job(self) -> PlanJob:
        try:
            headers = parse_headers(self.headers_edit.toPlainText())
        except ValueError as exc:
            raise ValueError(f"Headers: {exc}.") from None
        draft = MessageDraft(
            exchange=self.exchange_edit.text().strip(),
            routing_key=self.key_edit.text(),
            body=self.body_edit.toPlainText(),
            content_type=self.content_type.currentText().strip(),
            headers=headers,
        )
        return lambda ops: ops.plan_test_message(draft)

    # -- in words ---------------------------------------------------------------------------

    def summary_text(self, plan: Plan) -> str:
        spec = plan.spec
        assert isinstance(spec, PublishTestSpec)
        headers = json.dumps(spec.headers, ensure_ascii=False, default=str)
        lines = [
            f"Publish one test message to {plan.destinations[0].describe()}",
            f"message id {spec.message_id}, content type {spec.content_type or '(none)'}, "
            f"persistent, {len(spec.body):,} bytes",
            f"headers {headers}",
            f"How: {plan.method}",
        ]
        return "\n".join(lines + [f"⚠ {warning}" for warning in plan.warnings])

    def run_text(self, plan: Plan) -> str:
        return "Publish 1 Test Message"

    def result_text(self, result: OperationResult) -> str:
        if not result.outcomes:
            return f"Not published · {audit_line(result)}"
        detail = result.outcomes[0].detail  # "routed: …", "returned by the broker as …"
        head = detail[:1].upper() + detail[1:]
        return "\n".join([f"{head} · {audit_line(result)}", *result.notes])


def _text_edit(text: str, hint: str, name: str, *, lines: int) -> QPlainTextEdit:
    edit = QPlainTextEdit(text)
    edit.setPlaceholderText(hint)
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 12)
    return edit


def open_test_message_dialog(
    parent: QWidget | None,
    profile: Profile,
    db_path: Path,
    *,
    exchange: str = "",
    routing_key: str = "",
    headers: str = "",
    exchanges: Iterable[str] = (),
) -> TestMessageDialog:
    """Open (non-modal, deleted on close) with what the caller knows filled in."""
    dialog = TestMessageDialog(
        profile,
        db_path,
        exchange=exchange,
        routing_key=routing_key,
        headers=headers,
        exchanges=exchanges,
        parent=parent,
    )
    open_non_modal(dialog)
    return dialog
