"""What the dashboard says about its count basis: by payment or by attempt (issue 11).

The definitions are store/statistics/by_payment.py's; these are the words for the toolbar,
the chart titles and axes, and the tiles' captions and tooltips.
"""

from __future__ import annotations

from opsdesk.store.statistics.values import CountBasis

# What one count is: a caption says "of 120 payments", an axis "failed payments / min".
COUNTED = {CountBasis.PAYMENT: "payments", CountBasis.ATTEMPT: "attempts"}
BASIS_WHY = {
    CountBasis.PAYMENT: (
        "By payment: each payment once, by its final outcome in the window; a payment that"
        " failed and then succeeded counts as one success. Alerts count by attempt."
    ),
    CountBasis.ATTEMPT: (
        "By attempt: every outcome event; a payment that failed and then succeeded counts"
        " one failure and one success. Replayed copies are not counted."
    ),
}
TOGGLE_TIP = (
    "What the success rate, the failures by error code and their tiles count.\n"
    f"{BASIS_WHY[CountBasis.PAYMENT]}\n{BASIS_WHY[CountBasis.ATTEMPT]}"
)
RECOVERED_WHY = (
    "Payments whose final outcome in the dashboard's window ({span}) is a success after an"
    " earlier failure (at any time): replayed or retried to success. Counted per payment"
    " whichever basis the other tiles show."
)


def basis_title(basis: CountBasis) -> str:
    """`by payment` / `by attempt`, as a chart title ends."""
    return f"by {COUNTED[basis].removesuffix('s')}"
