"""Retry payments: each one's request re-sent, previewed in payment terms, then followed.

Which payments, a reason, where to, overrides for the guards the preview tripped; the plan
lists payments (who, how much, what failed, what would be sent where, what stands in the way);
the run shows progress and can be cancelled; afterwards each sent payment is followed to its
next outcome on a thread (payment_replay_follower.py), the outcome column fills in, and one
line sums the batch up. Replaying one exact stored message stays the event replay's job.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from opsdesk.config import Profile
from opsdesk.operations.plan import OperationResult, Plan
from opsdesk.operations.replay_outcomes import BatchOutcome, OutcomeKind, sent_payments
from opsdesk.operations.service import Operations
from opsdesk.ui.operations.operation_dialog import OperationDialog, PlanJob
from opsdesk.ui.operations.payment_replay_follower import OutcomeFollower
from opsdesk.ui.operations.payment_replay_form import PaymentReplayForm
from opsdesk.ui.operations.payment_replay_pick import PaymentPick, plan_pick
from opsdesk.ui.operations.payment_replay_plan_view import PaymentPlanView
from opsdesk.ui.operations.payment_replay_text import duration_text, following_text

log = logging.getLogger(__name__)

DEFAULT_FOLLOW_S = 120
INTRO = (
    "Retrying a payment re-sends the message that starts its processing (its request: the "
    "stored body and properties, the same idempotency key, a new message id, replay headers "
    "naming you and your reason), then watches the history for the payment's next outcome. "
    "To re-send one exact stored message as it was, use Replay Exact Message (Ctrl+R) in History."
)


class PaymentReplayDialog(OperationDialog):
    """A payment replay from preview to outcomes; `shutdown()` also stops following."""

    outcomes_shown = Signal(object)  # BatchOutcome drawn in the outcome column
    following_finished = Signal(object)  # BatchOutcome: the last one, summed up

    def __init__(
        self,
        pick: PaymentPick,
        profile: Profile,
        db_path: Path,
        parent: QWidget | None = None,
        *,
        follow_s: int = DEFAULT_FOLLOW_S,
    ) -> None:
        super().__init__(_title(pick), profile, db_path, parent)
        self.setObjectName("paymentReplayDialog")
        self.pick = pick
        self._db_path = db_path
        self._follower: OutcomeFollower | None = None
        self._followers: list[OutcomeFollower] = []
        self._use_payment_plan_view()
        self.preview_button.setToolTip(
            "Show each payment and exactly what would be sent; sends nothing"
        )
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.form = PaymentReplayForm(pick, profile, follow_s)
        self.form.changed.connect(self.invalidate)
        self.parameters_layout.addWidget(intro)
        self.parameters_layout.addWidget(self.form)
        self.plan_ready.connect(self._on_plan_ready)
        self.operation_finished.connect(self._on_operation_finished)
        self.resize(1280, 860)  # as wide as the main window's first size

    @property
    def payment_view(self) -> PaymentPlanView:
        assert isinstance(self.plan_view, PaymentPlanView)
        return self.plan_view

    @property
    def following(self) -> bool:
        return self._follower is not None and self._follower.running

    def plan_job(self) -> PlanJob:
        form = self.form
        reason = form.reason_text()
        destination = form.destination()
        overrides = form.chosen_overrides()
        pick, db_path, use_filter = self.pick, self._db_path, form.uses_filter()

        def job(ops: Operations) -> Plan:
            return plan_pick(
                ops,
                db_path,
                pick,
                use_filter,
                reason=reason,
                destination=destination,
                overrides=overrides,
            )

        return job

    def preview(self) -> bool:
        if not self.running:
            self._stop_following()  # a new plan: the outcomes' rows are about to go
        return super().preview()

    def invalidate(self, *_: object) -> None:
        super().invalidate()
        if not self.running:
            self._stop_following()  # the outcomes' rows are gone from the view

    def shutdown(self) -> None:
        """Stop following (waiting for the thread), then what every operation dialog stops."""
        self._stop_following()
        for follower in self._followers:
            follower.stop()
        self._followers.clear()
        super().shutdown()

    # -- slots ------------------------------------------------------------------------------

    def _on_plan_ready(self, plan: Plan) -> None:
        self._stop_following()
        self.form.show_tripped(plan.guards)

    def _on_operation_finished(self, result: OperationResult) -> None:
        self.execution.outcomes.hide()  # the payment table shows how each one ended
        view = self.payment_view
        view.model.set_sent(result.outcomes)
        sent = sent_payments(result)
        if not sent:
            view.show_outcome_summary("Nothing was sent, so there is no outcome to follow.")
            view.refit_columns()
            return
        follower = OutcomeFollower(self._db_path, sent, self.form.follow_seconds(), parent=self)
        follower.outcomes_read.connect(self._on_outcomes_read)
        follower.finished.connect(self._on_following_finished)
        follower.failed.connect(self._on_following_failed)
        self._follower = follower
        self._followers.append(follower)
        view.show_outcome_summary(
            f"Following {len(sent):,} replayed payment(s) for up to "
            f"{duration_text(follower.follow_s)}…"
        )
        view.refit_columns()
        follower.start()

    def _on_outcomes_read(self, batch: BatchOutcome) -> None:
        follower = self._follower
        if follower is None or self.sender() is not follower:
            return  # a follow this dialog has stopped
        self._show_outcomes(batch)
        self.payment_view.show_outcome_summary(following_text(batch, follower.follow_s))

    def _on_following_finished(self, batch: BatchOutcome) -> None:
        follower = self._follower
        if follower is None or self.sender() is not follower:
            return
        self._follower = None
        self._show_outcomes(batch)
        if batch.count(OutcomeKind.NONE):
            self.payment_view.model.stop_waiting(
                f"no outcome after {duration_text(follower.follow_s)}"
            )
        self.payment_view.show_outcome_summary(batch.summary())
        self.following_finished.emit(batch)

    def _on_following_failed(self, error: Exception) -> None:
        if self._follower is None or self.sender() is not self._follower:
            return
        self._follower = None
        self.payment_view.model.stop_waiting("not followed")
        self.payment_view.show_outcome_summary(
            f"The outcomes could not be followed: the history could not be read ({error})."
        )

    # -- internals --------------------------------------------------------------------------

    def _show_outcomes(self, batch: BatchOutcome) -> None:
        self.payment_view.model.set_outcomes(batch.outcomes)
        self.payment_view.refit_columns()
        self.outcomes_shown.emit(batch)

    def _stop_following(self) -> None:
        """Stop the current follow without waiting: its thread ends at its next check."""
        if self._follower is not None:
            self._follower.cancel()
            self._follower = None

    def _use_payment_plan_view(self) -> None:
        old = self.plan_view
        splitter = old.parentWidget()
        assert isinstance(splitter, QSplitter)
        view = PaymentPlanView()
        splitter.replaceWidget(splitter.indexOf(old), view)
        old.deleteLater()
        self.plan_view = view

    def _update_buttons(self, *_: object) -> None:
        super()._update_buttons()
        plan = self.plan
        if plan is not None and plan.replay_payments:
            sendable = sum(1 for p in plan.replay_payments if not p.blocked)
            self.run_button.setText(f"Replay {sendable:,} payment(s)")


def _title(pick: PaymentPick) -> str:
    if len(pick.payment_ids) == 1:
        return f"Replay Payment {pick.payment_ids[0]}"
    return "Replay Payments"


def open_payment_replay_dialog(
    parent: QWidget | None, profile: Profile, db_path: Path, pick: PaymentPick
) -> PaymentReplayDialog:
    """Open (non-modal, deleted on close) a replay of the picked payments."""
    dialog = PaymentReplayDialog(pick, profile, db_path, parent)
    if parent is not None:
        dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


class PaymentReplayDialogs:
    """The payment replay dialogs the desk opened: when the desk stops, each one's follow is
    stopped and its running replay cancelled and waited for (so its outcome is audited)."""

    def __init__(self) -> None:
        self._open: list[PaymentReplayDialog] = []

    @property
    def dialogs(self) -> list[PaymentReplayDialog]:
        return list(self._open)

    def open(
        self, parent: QWidget | None, profile: Profile, db_path: Path, pick: PaymentPick
    ) -> PaymentReplayDialog:
        dialog = open_payment_replay_dialog(parent, profile, db_path, pick)
        self._open.append(dialog)
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        return dialog

    def shutdown(self) -> None:
        for dialog in list(self._open):
            dialog.shutdown()
            dialog.close()
        self._open.clear()

    def _forget(self, dialog: PaymentReplayDialog) -> None:
        if dialog in self._open:
            self._open.remove(dialog)
