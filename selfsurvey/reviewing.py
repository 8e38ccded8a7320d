"""The review of flagged responses: the Inspectorate excludes or keeps them, with a reason.

Reads (the review list, the flag counts, whether the scores are stale) and the one write
(`response_review`). Responses of one unit sharing their whole answer vector (identical vectors)
are one entry of the list, decided at once; every other flagged or excluded response is an entry
of its own. A decision is refused when its entry changed since the page was shown: the page
carries a token of the entry's state (each response's excluded flag and newest review).
"""

import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, Exists, Max, Min, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from surveys.audit import audited
from surveys.models import RespondentGroup

from . import selectors
from .answer_codec import ALPHABET, BLANK
from .models import Response, ResponseChannel, ResponseReview, ReviewDecision
from .services import require_manager

# a flag kind's name (in the summary, the list's filter and survey_scores' JSON) and its field
FLAGS = {
    "straight_lining": "flag_straight_lining",
    "identical_vectors": "flag_identical_vector",
    "too_fast": "flag_too_fast",
    "bursts": "flag_burst",
}
ANY_FLAG = Q(flag_straight_lining=True) | Q(flag_identical_vector=True)
ANY_FLAG |= Q(flag_too_fast=True) | Q(flag_burst=True)
AWAITING, EXCLUDED, KEPT = "awaiting", "excluded", "kept"
IDENTICAL, BURST, SINGLE = "v", "b", "r"  # an entry key's first letter
BURST_ROWS_SHOWN = 50
MEMBER_FIELDS = [
    "id",
    "unit_id",
    "answers",
    "channel",
    "excluded",
    "duration_seconds",
    *FLAGS.values(),
]


class StaleReview(Exception):
    """The entry changed (another decision, a new response) since the page was shown."""


# --- reads ---------------------------------------------------------------------------------------


def flag_summary(campaign) -> dict:
    """How many responses of the campaign carry each flag, how many carry any (`flagged`), how
    many are excluded after review (`excluded`) and how many there are (`responses`)."""
    counts = {kind: Count("id", filter=Q(**{name: True})) for kind, name in FLAGS.items()}
    return Response.objects.filter(campaign=campaign).aggregate(
        **counts,
        flagged=Count("id", filter=ANY_FLAG),
        excluded=Count("id", filter=Q(excluded=True)),
        responses=Count("id"),
    )


def scores_are_stale(campaign) -> bool:
    """Whether a review was decided after the scores were last computed: they still count the
    responses as they were before it."""
    reviews = ResponseReview.objects.filter(response__campaign=campaign)
    newest = reviews.aggregate(newest=Max("decided_at"))["newest"]
    if newest is None:
        return False
    return campaign.scores_computed_at is None or newest > campaign.scores_computed_at


def review_entries(campaign, *, kind="", opd_id=None, decision=""):
    """The review list's entries in the page's order, one row each: `entry` (its key),
    `unit_id`, `first_id` and per flag kind how many of its responses carry it. A query, so a
    paginator counts and slices it in the database."""
    responses = _listed(campaign)
    if opd_id:
        responses = responses.filter(unit__opd_id=opd_id)
    responses = responses.filter(_decision_filter(decision))
    counts = {
        name: Count("id", filter=Q(**{flag_field: True})) for name, flag_field in FLAGS.items()
    }
    entries = (
        responses.annotate(entry=_entry_key())
        .values("entry", "unit_id", "unit__opd__name", "unit__group")
        .annotate(first_id=Min("id"), **counts)
        .order_by("unit__opd__name", "unit__group", "first_id")
    )
    if kind in FLAGS:
        entries = entries.filter(**{f"{kind}__gt": 0})
    return entries


def _entry_key():
    """Identical vectors: one entry per unit and answer string; a burst: one per unit and
    ten-minute slot; any other response: its own."""
    unit = Cast("unit_id", CharField())
    identical = Concat(Value(IDENTICAL), unit, Value(":"), "answers")
    burst = Concat(Value(BURST), unit, Value(":"), Cast("received_slot", CharField()))
    return Case(
        When(flag_identical_vector=True, then=identical),
        When(flag_burst=True, received_slot__isnull=False, then=burst),
        default=Concat(Value(SINGLE), Cast("id", CharField())),
        output_field=CharField(),
    )


def _listed(campaign):
    return Response.objects.filter(campaign=campaign).filter(ANY_FLAG | Q(excluded=True))


def _decision_filter(decision) -> Q:
    reviewed = Exists(ResponseReview.objects.filter(response=OuterRef("pk")))
    if decision == AWAITING:
        return ~reviewed
    if decision == EXCLUDED:
        return Q(excluded=True)
    if decision == KEPT:
        return Q(reviewed, excluded=False)
    return Q()


@dataclass
class ShownAnswer:
    code: str
    wording: str
    label: str
    blank: bool


@dataclass
class BurstRow:
    """One response of a burst, its answers as values (None when blank)."""

    duration_seconds: int | None
    values: list[int | None]


@dataclass
class ReviewEntry:
    """One entry of the review list, as its card shows it: the shared answers of identical
    vectors or of a single response (`answers`), each response's answers for a burst (`items`
    and `burst_rows`, the first BURST_ROWS_SHOWN of them)."""

    kind: str
    opd: str
    group: str
    size: int
    excluded: int
    channels: list[str]
    flags: list[str]
    ids: str
    token: str
    review: ResponseReview | None
    answers: list[ShownAnswer] = field(default_factory=list)
    items: list = field(default_factory=list)
    burst_rows: list[BurstRow] = field(default_factory=list)

    @property
    def is_identical(self):
        return self.kind == IDENTICAL

    @property
    def is_burst(self):
        return self.kind == BURST

    @property
    def is_group(self):
        return self.kind != SINGLE

    @property
    def partly_excluded(self):
        return 0 < self.excluded < self.size

    @property
    def burst_rows_hidden(self):
        return self.size - len(self.burst_rows) if self.is_burst else 0


def review_page(campaign, entries) -> list[ReviewEntry]:
    """The cards of one page of `review_entries`: a fixed number of queries whatever the page
    or the campaign holds (members, their newest reviews, the items)."""
    entries = list(entries)
    if not entries:
        return []
    members = _members(campaign, entries)
    newest = [max(_newest_ids(rows), default=0) for rows in members.values()]
    reviews = ResponseReview.objects.filter(pk__in=newest).select_related("actor").in_bulk()
    shown = _AnswerLabels(selectors.items_of(campaign.questionnaire))
    cards = []
    for row in entries:
        rows = members.get(row["entry"], [])
        review = reviews.get(max(_newest_ids(rows), default=0))
        cards.append(_card(campaign, row, rows, review, shown))
    return cards


def _members(campaign, entries) -> dict[str, list[dict]]:
    rows = (
        _listed(campaign)
        .annotate(entry=_entry_key())
        .filter(entry__in=[row["entry"] for row in entries])
        .values("entry", *MEMBER_FIELDS)
        .annotate(newest_review=Max("reviews__id"))
        .order_by("id")
    )
    members = {}
    for member in rows:
        members.setdefault(member["entry"], []).append(member)
    return members


def _newest_ids(rows):
    return [row["newest_review"] for row in rows if row["newest_review"]]


def _card(campaign, row, rows, review, shown) -> ReviewEntry:
    kind, group = row["entry"][0], row["unit__group"]
    channels = sorted({member["channel"] for member in rows})
    card = ReviewEntry(
        kind=kind,
        opd=row["unit__opd__name"],
        group=RespondentGroup(group).label,
        size=len(rows),
        excluded=sum(member["excluded"] for member in rows),
        channels=[ResponseChannel(channel).label for channel in channels],
        flags=flag_explanations(campaign, rows, kind),
        ids=",".join(str(member["id"]) for member in rows),
        token=state_token((m["id"], m["excluded"], m["newest_review"]) for m in rows),
        review=review,
    )
    if kind == BURST:
        card.items = shown.items_of(group)
        card.burst_rows = [shown.values(m, group) for m in rows[:BURST_ROWS_SHOWN]]
    elif rows:
        card.answers = shown.of(rows[0]["answers"], group)
    return card


def flag_explanations(campaign, rows, kind=SINGLE) -> list[str]:
    """What each flag of an entry's responses (value dicts with the flag fields, `answers` and
    `duration_seconds`) means, in plain words."""
    size = len(rows)
    counts = {
        name: sum(bool(row[flag_field]) for row in rows) for name, flag_field in FLAGS.items()
    }
    lines = []
    if counts["straight_lining"]:
        lines.append(_part(_("same answer to every item"), counts["straight_lining"], size))
    if counts["identical_vectors"]:
        lines.append(_identical(campaign, size))
    if counts["too_fast"]:
        lines.append(_too_fast(campaign, rows, counts["too_fast"]))
    if counts["bursts"]:
        lines.append(_burst(campaign, kind, counts["bursts"], size))
    if not lines:
        lines.append(_("no flag any more (the thresholds or the answers changed)"))
    return lines


def _part(text, count, size) -> str:
    if count == size:
        return text
    return _("%(flag)s: %(count)s of these %(size)s responses") % {
        "flag": text,
        "count": count,
        "size": size,
    }


def _identical(campaign, size) -> str:
    others = size - 1
    return ngettext(
        "answers identical to those of %(others)s other respondent of this OPD "
        "(flagged from %(threshold)s)",
        "answers identical to those of %(others)s other respondents of this OPD "
        "(flagged from %(threshold)s)",
        others,
    ) % {"others": others, "threshold": campaign.identical_vector_threshold}


def _too_fast(campaign, rows, count) -> str:
    if len(rows) == 1:
        return _("too fast: %(seconds)s seconds for %(items)s items") % {
            "seconds": rows[0]["duration_seconds"],
            "items": answered_count(rows[0]["answers"]),
        }
    text = _("too fast: less than %(seconds)s seconds per answered item") % {
        "seconds": campaign.fast_seconds_per_item
    }
    return _part(text, count, len(rows))


def _burst(campaign, kind, count, size) -> str:
    threshold = campaign.burst_per_slot
    if kind == BURST:
        return _(
            "burst from one link: %(size)s responses in the same ten minutes "
            "(flagged from %(threshold)s)"
        ) % {"size": size, "threshold": threshold}
    text = _("burst from one link: %(threshold)s or more responses in the same ten minutes") % {
        "threshold": threshold
    }
    return _part(text, count, size)


def answered_count(answers: str) -> int:
    return sum(char != BLANK for char in answers)


class _AnswerLabels:
    """An answer string shown as item code and answer label, for the items of one group."""

    def __init__(self, items):
        english = get_language() == "en"
        self.items = items
        self.labels = {
            item.pk: {
                label["value"]: label["label_en" if english else "label_id"]
                for label in item.scale_labels
            }
            for item in items
        }

    def items_of(self, group):
        return [item for item in self.items if item.group == group]

    def of(self, answers: str, group: str) -> list[ShownAnswer]:
        return [self._answer(item, _char(answers, item)) for item in self.items_of(group)]

    def values(self, member, group) -> BurstRow:
        chars = [_char(member["answers"], item) for item in self.items_of(group)]
        values = [None if char == BLANK else ALPHABET.index(char) for char in chars]
        return BurstRow(member["duration_seconds"], values)

    def _answer(self, item, char) -> ShownAnswer:
        if char == BLANK:
            return ShownAnswer(item.code, item.wording, _("no answer"), True)
        value = ALPHABET.index(char)
        label = self.labels[item.pk].get(value, str(value))
        return ShownAnswer(item.code, item.wording, f"{label} ({value})", False)


def _char(answers, item) -> str:
    return answers[item.position] if item.position < len(answers) else BLANK


def state_token(states) -> str:
    """A short digest of (response id, excluded, newest review id) triples: it changes whenever
    a decision is made on one of the responses or the entry gains or loses a response."""
    text = ";".join(
        f"{pk}:{int(bool(excluded))}:{review or 0}" for pk, excluded, review in sorted(states)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- the write -----------------------------------------------------------------------------------


@audited
@transaction.atomic
def response_review(*, actor, campaign, responses, decision, reason, expected_state):
    """Exclude the responses from the scores, or keep them in, with the reason: one review row
    per response (the history stays, the newest counts) and their `excluded` flag. Refused with
    nothing written when the responses changed since `expected_state` (their `state_token`) was
    read. The scores count the change at the next recomputation."""
    require_manager(actor)
    reason = (reason or "").strip()
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Choose whether to exclude or keep the responses.")})
    if not reason:
        raise ValidationError(
            {"reason": _("Give the reason for this decision: it is kept with it.")}
        )
    ids = _ids(responses)
    locked = list(
        Response.objects.select_for_update()
        .filter(campaign=campaign, pk__in=ids)
        .order_by("pk")
        .values_list("id", "excluded")
    )
    if not ids or len(locked) != len(ids):
        raise ValidationError(_("These responses are not all in this campaign."))
    if _locked_token(locked) != expected_state:
        raise StaleReview(
            _(
                "These responses were decided on or changed since the page was shown. "
                "Nothing was saved: look at them again and decide."
            )
        )
    ResponseReview.objects.bulk_create(
        [
            ResponseReview(response_id=pk, decision=decision, reason=reason, actor=actor)
            for pk in ids
        ]
    )
    Response.objects.filter(pk__in=ids).update(excluded=decision == ReviewDecision.EXCLUDE)
    return len(ids)


def _ids(responses) -> list[int]:
    try:
        return sorted({int(pk) for pk in responses})
    except (TypeError, ValueError) as wrong:
        raise ValidationError(_("These responses are not all in this campaign.")) from wrong


def _locked_token(locked) -> str:
    ids = [pk for pk, _excluded in locked]
    newest = dict(
        ResponseReview.objects.filter(response_id__in=ids)
        .values("response_id")
        .annotate(newest=Max("id"))
        .values_list("response_id", "newest")
    )
    return state_token((pk, excluded, newest.get(pk)) for pk, excluded in locked)
