"""Collection of the self-run survey: what the respondent form reads, the one write a respondent
makes, single-use codes for internal respondents and the rate limit of the open links.

Respondents are anonymous, and that is the point of the whole module: nothing here records who
answered, from where or when to the minute. A response keeps its answers, the ten-minute slot it
arrived in and how long the form took; no actor, no address, no cookie, no session. An access
code keeps only a keyed hash and a used flag, with nothing that points at the response it let in;
the open links count submissions per hashed address in the cache, which forgets them in an hour.
"""

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from surveys.models import RespondentGroup

from . import answer_codec, selectors
from .models import AccessCode, CampaignStatus, CampaignUnit, Item, Response, ResponseChannel
from .services import require_manager

ITEMS_PER_PAGE = 5
SECONDS_PER_ITEM = 20  # for the intro's "about N minutes"
# the letters and digits nobody misreads on a printed slip: no 0/O, 1/I/L, 5/S, 2/Z, 8/B
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
MAX_CODES_PER_BATCH = 1000
COMMENT_MAX_LENGTH = 2000
OPEN_LINK_LIMIT = 10  # submissions per address, unit and clock hour
# wrong codes per address, unit and clock hour: one office behind NAT makes typos, a guesser
# needs about 10^8 tries for one hit among a thousand codes
CODE_GUESS_LIMIT = 30
LIMIT_WINDOW_SECONDS = 3600
SLOT_MINUTES = 10


class SubmissionRefused(Exception):
    """A submission the form cannot take; nothing was stored. Its message is for the respondent."""


class CodeRefused(SubmissionRefused):
    pass


class TooManySubmissions(SubmissionRefused):
    pass


TOO_MANY = _lazy(
    "Too many answers were sent from this connection in the last hour. "
    "Nothing was stored; please try again later."
)
TOO_MANY_GUESSES = _lazy(
    "Too many wrong codes were typed from this connection in the last hour. Please try again later."
)


# --- reads --------------------------------------------------------------------------------------


def unit_by_token(token: str) -> CampaignUnit | None:
    return (
        CampaignUnit.objects.select_related("campaign__questionnaire", "opd")
        .filter(link_token=token)
        .first()
    )


def form_url(unit: CampaignUnit) -> str:
    """The form's absolute address, as posters and code slips print it (PORTAL_BASE_URL)."""
    path = reverse("selfsurvey:respond", kwargs={"token": unit.link_token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def code_counts(unit: CampaignUnit) -> dict:
    """How many codes the unit has and how many were used (never which)."""
    return AccessCode.objects.filter(unit=unit).aggregate(
        issued=Count("pk"), used=Count("pk", filter=Q(used=True))
    )


def is_open(campaign, today=None) -> bool:
    """Collecting now: opened by the Inspectorate and today within its period."""
    today = today or timezone.localdate()
    return (
        campaign.status == CampaignStatus.OPEN
        and campaign.period_start <= today <= campaign.period_end
    )


@dataclass(frozen=True)
class SurveyForm:
    """The questions one unit's respondents see, in pages, and the width of an answer string."""

    items: list[Item]
    pages: list[list[Item]]
    width: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(len(self.items) * SECONDS_PER_ITEM / 60))

    def item(self, code: str) -> Item | None:
        return next((item for item in self.items if item.code == code), None)


def survey_form(unit: CampaignUnit) -> SurveyForm:
    """The unit's group's items of the campaign's questionnaire, in order, split into pages of
    about ITEMS_PER_PAGE (balanced, so no page holds a lone question)."""
    every_item = selectors.items_of(unit.campaign.questionnaire)
    items = [item for item in every_item if item.group == unit.group]
    width = max((item.position for item in every_item), default=-1) + 1
    return SurveyForm(items=items, pages=_pages(items), width=width)


def _pages(items: list) -> list[list]:
    count = max(1, math.ceil(len(items) / ITEMS_PER_PAGE))
    size, extra = divmod(len(items), count)
    pages, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < extra else 0)
        pages.append(items[start:end])
        start = end
    return pages


def answer_options(item: Item) -> list[tuple[int, str]]:
    """(value, label) of every answer an item takes, in the page's language, its "don't know"
    values last; a value without a label in the questionnaire is shown as its number."""
    english = get_language() == "en"
    labels = {
        row["value"]: row.get("label_en" if english else "label_id") or str(row["value"])
        for row in item.scale_labels
    }
    values = list(range(item.scale_min, item.scale_max + 1))
    values += [value for value in item.dont_know_values if value not in values]
    return [(value, labels.get(value) or _default_label(item, value)) for value in values]


def _default_label(item: Item, value: int) -> str:
    return _("Don't know") if value in item.dont_know_values else str(value)


def allowed_values(item: Item) -> set[int]:
    return set(range(item.scale_min, item.scale_max + 1)) | set(item.dont_know_values)


# --- the respondent's write -----------------------------------------------------------------------


def response_submit(
    *,
    unit: CampaignUnit,
    answers: dict[str, int | None],
    started_at,
    code: str | None = None,
    client_key: str | None = None,
    comment: str = "",
) -> Response:
    """Store one web response of `unit`, anonymously: there is no actor, by design. The answers
    are checked against each item's scale and "don't know" values and kept as one character per
    item; the time is kept only as its ten-minute slot, and the form's duration in seconds.

    Internal units take a single-use `code`, marked used in the same transaction (a used or
    unknown code: CodeRefused, nothing stored); open links count `client_key` (a hashed address,
    see `client_key`) in the cache (over the limit: TooManySubmissions, nothing stored).
    """
    form = survey_form(unit)
    encoded = _encoded_answers(form, answers)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("The comment is longer than %(n)s characters.") % {"n": COMMENT_MAX_LENGTH}
        )
    if not encoded.strip(answer_codec.BLANK) and not comment:
        raise ValidationError(_("Answer at least one question before sending."))
    if not is_open(unit.campaign):
        raise SubmissionRefused(_("This survey is not collecting answers now."))
    now = timezone.now()
    with transaction.atomic():
        if unit.group == RespondentGroup.INTERNAL:
            _use_code(unit, code)
        else:
            _count_open_link_submission(unit, client_key)
        return Response.objects.create(
            campaign=unit.campaign,
            unit=unit,
            channel=ResponseChannel.WEB,
            answers=encoded,
            received_slot=_slot(now),
            duration_seconds=max(0, int((now - started_at).total_seconds())),
            comment=comment,
        )


def _encoded_answers(form: SurveyForm, answers: dict) -> str:
    by_position = {}
    for code, value in answers.items():
        item = form.item(code)
        if item is None:
            raise ValidationError(_("%(code)s is not a question of this form.") % {"code": code})
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value not in allowed_values(item)
        ):
            raise ValidationError(
                _("%(value)s is not an answer to question %(code)s.")
                % {"value": value, "code": code}
            )
        by_position[item.position] = value
    return answer_codec.encode(by_position, form.width)


def _slot(moment):
    return moment.replace(
        minute=moment.minute - moment.minute % SLOT_MINUTES, second=0, microsecond=0
    )


# --- single-use codes ----------------------------------------------------------------------------


def _pepper() -> bytes:
    return hashlib.sha256(b"selfsurvey.access-code:" + settings.SECRET_KEY.encode()).digest()


def normalize_code(text: str) -> str:
    """What a respondent typed, as the code was issued: capitals, no spaces or dashes."""
    return "".join(char for char in (text or "").upper() if char.isalnum())


def code_hash(code: str) -> str:
    """The keyed SHA-256 of a code (HMAC with a pepper from SECRET_KEY): the database alone does
    not let anyone try the 25^8 possible codes."""
    return hmac.new(_pepper(), normalize_code(code).encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_usable(unit: CampaignUnit, code: str) -> bool:
    """Whether the code is one of the unit's and not used yet (the first step of the form)."""
    return AccessCode.objects.filter(unit=unit, code_hash=code_hash(code), used=False).exists()


def _use_code(unit, code):
    refused = CodeRefused(
        _("This code is not valid for this form or has been used already. Nothing was stored.")
    )
    if not code:
        raise refused
    wanted = code_hash(code)
    locked = AccessCode.objects.select_for_update().filter(unit=unit, code_hash=wanted).first()
    if locked is None or locked.used:
        raise refused
    # the conditional update keeps a code single-use even where select_for_update is a no-op
    if not AccessCode.objects.filter(pk=locked.pk, used=False).update(used=True):
        raise refused


@transaction.atomic
def codes_issue(*, actor, unit: CampaignUnit, count: int) -> list[str]:
    """`count` new single-use codes for an internal unit. Only their keyed hashes are stored; the
    plain codes (ABCD-EFGH) are returned this once and cannot be read back later."""
    require_manager(actor)
    if unit.group != RespondentGroup.INTERNAL:
        raise ValidationError(_("Only internal respondents answer with a single-use code."))
    if unit.campaign.status == CampaignStatus.CLOSED:
        raise ValidationError(_("The campaign is closed."))
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValidationError(
            _("Issue between 1 and %(n)s codes at a time.") % {"n": MAX_CODES_PER_BATCH}
        )
    codes = _fresh_codes(count)
    AccessCode.objects.bulk_create(
        [AccessCode(unit=unit, code_hash=code_hash(code)) for code in codes]
    )
    return [format_code(code) for code in codes]


def _fresh_codes(count: int) -> list[str]:
    codes = set()
    while len(codes) < count:
        wanted = {_random_code() for _ in range(count - len(codes))} - codes
        taken = set(
            AccessCode.objects.filter(
                code_hash__in=[code_hash(code) for code in wanted]
            ).values_list("code_hash", flat=True)
        )
        codes |= {code for code in wanted if code_hash(code) not in taken}
    issued = list(codes)
    secrets.SystemRandom().shuffle(issued)  # no order to read anything from
    return issued


def _random_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# --- limits per client: open-link submissions, wrong code guesses ------------------------------


def client_key(address: str) -> str:
    """A keyed hash of the client's address: the cache never holds the address itself."""
    digest = hmac.new(_pepper(), f"client:{address}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _counter_key(kind, unit, key) -> str:
    window = int(time.time() // LIMIT_WINDOW_SECONDS)
    return f"selfsurvey:{kind}:{unit.pk}:{key}:{window}"


def _count(kind, unit, key) -> int:
    """Add one to this client's count of `kind` in this unit and clock hour; the new count."""
    cache_key = _counter_key(kind, unit, key)
    cache.add(cache_key, 0, timeout=LIMIT_WINDOW_SECONDS)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=LIMIT_WINDOW_SECONDS)
        return 1


def _counted(kind, unit, key) -> int:
    return cache.get(_counter_key(kind, unit, key), 0) if key else 0


def open_link_exhausted(unit: CampaignUnit, key: str | None) -> bool:
    """Whether this client has sent the most submissions an hour allows through this link."""
    return _counted("open-link", unit, key) >= OPEN_LINK_LIMIT


def _count_open_link_submission(unit, key):
    if key and _count("open-link", unit, key) > OPEN_LINK_LIMIT:
        raise TooManySubmissions(str(TOO_MANY))


def code_guesses_exhausted(unit: CampaignUnit, key: str | None) -> bool:
    """Whether this client typed too many wrong codes for this form in this hour (guessing)."""
    return _counted("code-guess", unit, key) >= CODE_GUESS_LIMIT


def code_guess_failed(unit: CampaignUnit, key: str | None) -> None:
    if key:
        _count("code-guess", unit, key)
