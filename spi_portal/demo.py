"""Demo data: KPK's national results 2021-2025 (public figures, shipped in surveys/data/) with
Barito Timur as the home institution, plus illustrative indicator scores and action plans."""

import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from PIL import Image, ImageDraw

from actionplans.demo import demo_action_plans
from selfsurvey.demo import demo_campaigns
from surveys import importing, public_cache
from surveys.audit import acting_as
from surveys.logos import CheckedLogo
from surveys.models import (
    DOCUMENT_NUMBER_PATTERN,
    ImportKind,
    IndicatorScore,
    Institution,
    PortalSettings,
    RoundStatus,
    SurveyRound,
)
from surveys.services import (
    methodology_load_all,
    national_results_load,
    portal_letterhead_update,
    round_publish,
)

DEMO_DIR = Path(__file__).resolve().parent.parent / "surveys" / "demo"
HOME_REGION_CODE = "6213"  # Kabupaten Barito Timur, in the national results file
DEMO_PASSWORD = "demo-spi-2024-bartim"
INSPECTOR_USERNAME = "inspektur"


@transaction.atomic
def demo_load(*, actor=None) -> list[tuple[str, str]]:
    """Load the demo idempotently; returns the demo users' (username, password).

    Every write is recorded as done by `actor`, else by the demo's inspector account, which
    is created first and recorded as creating itself: on an empty database there is no one
    else to name, and the demo is what that inspector would have entered.
    """
    inspector = _demo_inspector(actor)
    actor = actor or inspector
    with acting_as(actor):
        inspector.groups.add(Group.objects.get(name="Inspektorat"))  # imports need its rights
        methodology_load_all(actor=actor)
        national_results_load(actor=actor)  # the home's results are among them
        home = Institution.objects.get(region_code=HOME_REGION_CODE)
        Institution.objects.filter(is_home=True).exclude(pk=home.pk).update(is_home=False)
        if not home.is_home:
            home.is_home = True
            home.save()
        _import(ImportKind.INDICATOR_SCORES, "indicator_scores_2024.csv", actor)
        for score in IndicatorScore.objects.filter(institution=home, is_illustrative=False):
            score.is_illustrative = True
            score.save()
        opd_usernames = demo_action_plans(inspector=inspector, make_user=_demo_user)
        demo_campaigns(actor=inspector)
        _demo_letterhead(actor)
        _publish_rounds(inspector)
        public_cache.bump()  # the home flag and the example labels above are public too
    return [(INSPECTOR_USERNAME, DEMO_PASSWORD)] + [
        (username, DEMO_PASSWORD) for username in opd_usernames
    ]


def _demo_inspector(actor):
    """The demo's inspector account; a new one names `actor`, else itself, as its creator."""
    existing = get_user_model().objects.filter(username=INSPECTOR_USERNAME).first()
    if existing is not None:
        return existing
    inspector = get_user_model()(username=INSPECTOR_USERNAME, is_staff=True)
    inspector.set_password(DEMO_PASSWORD)
    inspector._history_user = actor or inspector
    inspector.save()
    del inspector._history_user
    return inspector


DEMO_LETTERHEAD = {
    "letterhead_government": "Pemerintah Kabupaten Barito Timur",
    "letterhead_institution": "Inspektorat Daerah",
    "letterhead_address": "Jl. Jenderal Sudirman, Tamiang Layang (alamat contoh)",
    "regent_title": "Bupati Barito Timur",
    "signatory_title": "Inspektur Kabupaten Barito Timur",
    "signatory_name": "Nama Inspektur (contoh)",
    "signatory_nip": "197001012000031001",
    "signing_place": "Tamiang Layang",
    "document_number_pattern": DOCUMENT_NUMBER_PATTERN,
}


def _demo_letterhead(actor):
    """An example letterhead and signature block, once (a letterhead someone set is kept)."""
    current = PortalSettings.load()
    if current.letterhead_institution:
        return
    logo = CheckedLogo(content=_demo_logo_png(), content_type="image/png")
    portal_letterhead_update(
        actor=actor, version=current.version, letterhead=DEMO_LETTERHEAD, logo=logo
    )


def _demo_logo_png() -> bytes:
    """A plain shield drawn here, standing in for the regency's emblem."""
    image = Image.new("RGBA", (160, 190), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    shield = [(10, 10), (150, 10), (150, 100), (80, 180), (10, 100)]
    draw.polygon(shield, fill=(13, 80, 40), outline=(212, 175, 55), width=6)
    draw.polygon([(80, 40), (115, 95), (80, 150), (45, 95)], fill=(212, 175, 55))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _publish_rounds(inspector):
    """KPK's figures are public: publish each round once (one unpublished since stays so)."""
    for survey_round in SurveyRound.objects.filter(status=RoundStatus.DRAFT, unpublish_reason=""):
        round_publish(survey_round=survey_round, actor=inspector)


def _import(kind, file_name, actor):
    path = DEMO_DIR / file_name
    with path.open("rb") as handle:
        importing.import_file(kind, handle, file_name=file_name, actor=actor)


def _demo_user(username, *, is_staff=False):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return username, DEMO_PASSWORD
