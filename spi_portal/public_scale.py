"""The published scale a plan is shown on to the public, after OGP's completion scale.

Only what the Inspectorate verified counts: a report waiting or returned moves nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

NO_EVIDENCE = "no_evidence"
NOT_STARTED = "not_started"
LIMITED = "limited"
SUBSTANTIAL = "substantial"
COMPLETE = "complete"

# the lowest verified percent of each level above "not started"
SUBSTANTIAL_FROM = Decimal(50)
COMPLETE_AT = Decimal(100)

LABELS = {
    NOT_STARTED: _("not started"),
    LIMITED: _("limited"),
    SUBSTANTIAL: _("substantial"),
    COMPLETE: _("complete"),
    NO_EVIDENCE: _("no evidence"),
}
DEFINITIONS = {
    NOT_STARTED: _("The plan's start date has not come, or the Inspectorate verified 0%."),
    LIMITED: _("Verified progress above 0% and below 50%."),
    SUBSTANTIAL: _("Verified progress from 50% to below 100%."),
    COMPLETE: _("Verified progress of 100%."),
    NO_EVIDENCE: _("The plan has started but the Inspectorate has verified no progress yet."),
}
ORDER = (NOT_STARTED, LIMITED, SUBSTANTIAL, COMPLETE, NO_EVIDENCE)


@dataclass(frozen=True)
class Level:
    key: str

    @property
    def label(self):
        return LABELS[self.key]

    @property
    def definition(self):
        return DEFINITIONS[self.key]


def plan_level(verified_progress: Decimal | None, start_date: date, today: date) -> str:
    """The level of a plan from its verified progress (None: nothing verified) and start date."""
    if verified_progress is None:
        return NOT_STARTED if start_date > today else NO_EVIDENCE
    if verified_progress >= COMPLETE_AT:
        return COMPLETE
    if verified_progress >= SUBSTANTIAL_FROM:
        return SUBSTANTIAL
    if verified_progress > 0:
        return LIMITED
    return NOT_STARTED


def scale() -> list[Level]:
    """The levels in the published order, for the legend and the filter."""
    return [Level(key) for key in ORDER]
