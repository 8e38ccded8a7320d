"""Demo data: Barito Timur 2021-2025 (public KPK figures) plus illustrative examples."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from actionplans.demo import demo_action_plans
from surveys import importing, public_cache
from surveys.models import ImportKind, IndicatorScore, Institution, RoundStatus, SurveyRound
from surveys.services import methodology_load_all, round_publish

DEMO_DIR = Path(__file__).resolve().parent.parent / "surveys" / "demo"
HOME_CODE = "KAB-BARTIM"
DEMO_PASSWORD = "demo-spi-2024-bartim"
INSPECTOR_USERNAME = "inspektur"


@transaction.atomic
def demo_load() -> list[tuple[str, str]]:
    """Load the demo idempotently; returns the demo users' (username, password)."""
    methodology_load_all()
    _import(ImportKind.RESULTS, "results.csv")
    Institution.objects.filter(is_home=True).exclude(kpk_code=HOME_CODE).update(is_home=False)
    home = Institution.objects.get(kpk_code=HOME_CODE)
    if not home.is_home:
        home.is_home = True
        home.save()
    _import(ImportKind.INDICATOR_SCORES, "indicator_scores_2024.csv")
    for score in IndicatorScore.objects.filter(institution=home, is_illustrative=False):
        score.is_illustrative = True
        score.save()
    users = [_demo_user(INSPECTOR_USERNAME, is_staff=True)]
    inspector = get_user_model().objects.get(username=INSPECTOR_USERNAME)
    inspector.groups.add(Group.objects.get(name="Inspektorat"))
    opd_usernames = demo_action_plans(inspector=inspector, make_user=_demo_user)
    _publish_rounds(inspector)
    public_cache.bump()  # the home flag and the example labels above are public too
    return users + [(username, DEMO_PASSWORD) for username in opd_usernames]


def _publish_rounds(inspector):
    """KPK's figures are public: publish each round once (one unpublished since stays so)."""
    for survey_round in SurveyRound.objects.filter(status=RoundStatus.DRAFT, unpublish_reason=""):
        round_publish(survey_round=survey_round, actor=inspector)


def _import(kind, file_name):
    path = DEMO_DIR / file_name
    with path.open("rb") as handle:
        importing.import_file(kind, handle, file_name=file_name)


def _demo_user(username, *, is_staff=False):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": is_staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return username, DEMO_PASSWORD
