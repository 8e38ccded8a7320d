"""What the public page and the open data are tested against.

Two published rounds (2023, 2024) and a draft round (2025) whose figures are distinctive, so
that a leak is visible; public plans, a plan kept internal and a draft plan marked public.
"""

from dataclasses import dataclass
from decimal import Decimal

from actionplans.models import ActionPlan, PlanStatus, Recommendation
from surveys.models import Institution, InstitutionResult, RoundStatus
from tests.factories import make_plan

DRAFT_ROUND_MARKERS = (
    "12.34",
    "12,34",
    "23.45",
    "23,45",
    "45.67",
    "45,67",
    "72.32",
    "72,32",
    "Kota Rahasia",
)
HIDDEN_PLAN_TITLE = "Audit internal pegawai rahasia"
DRAFT_PLAN_TITLE = "Rencana masih draf"
DRAFT_ROUND_PLAN_TITLE = "Rencana putaran draf"
INTERNAL_FINDING = "Temuan sensitif: pungutan liar loket 3"
WITHHELD_RESULT_MARKER = "Kabupaten Ditahan"
PUBLIC_SUMMARY = "<script>alert('x')</script> SOP diumumkan di semua loket."
FORMULA_NAME = '=HYPERLINK("http://evil.example","klik")'
NEVER_PUBLIC = (
    *DRAFT_ROUND_MARKERS,
    HIDDEN_PLAN_TITLE,
    DRAFT_PLAN_TITLE,
    DRAFT_ROUND_PLAN_TITLE,
    INTERNAL_FINDING,
    WITHHELD_RESULT_MARKER,
)


@dataclass
class World:
    public_plan: ActionPlan
    done_plan: ActionPlan
    hidden_plan: ActionPlan


def _result(survey_round, institution, *scores, published=None, kpk_published=True):
    internal, external, expert, integrity, prevalence = (Decimal(s) for s in scores)
    return InstitutionResult.objects.create(
        round=survey_round,
        institution=institution,
        internal=internal,
        external=external,
        expert=expert,
        correction_integrity=integrity,
        correction_prevalence=prevalence,
        published_index=None if published is None else Decimal(published),
        is_published=kpk_published,
    )


def _institution(code, name):
    return Institution.objects.create(kpk_code=code, name=name, type="kota")


def build_world(methodology, home, opd) -> World:
    r2023, r2024, r2025 = methodology[2023], methodology[2024], methodology[2025]
    _result(r2023, home, "70.78", "84.74", "60.38", "2.02", "0", published="69.52")
    _result(r2024, home, "66.93", "84.27", "56.79", "1.12", "0", published="67.78")
    _result(r2025, home, "12.34", "23.45", "34.56", "0", "0", published="45.67")
    neighbour = _institution("KOTA-FORMULA", FORMULA_NAME)
    _result(r2024, neighbour, "70.00", "80.00", "75.00", "0", "0", published="75.00")
    _result(r2025, _institution("KOTA-RAHASIA", "Kota Rahasia"), "50", "50", "50", "0", "0")
    withheld = _institution("KAB-DITAHAN", WITHHELD_RESULT_MARKER)
    _result(r2024, withheld, "10.00", "10.00", "10.00", "0", "0", kpk_published=False)
    for survey_round in (r2023, r2024):
        survey_round.status = RoundStatus.PUBLISHED
        survey_round.save()

    public_plan = make_plan(
        r2024,
        opd,
        title="Publikasi SOP layanan perizinan",
        public_summary=PUBLIC_SUMMARY,
        show_on_public_page=True,
        finding=INTERNAL_FINDING,
    )
    ActionPlan.objects.filter(pk=public_plan.pk).update(verified_progress=Decimal("40"))
    done_plan = make_plan(
        r2024, opd, title="Kanal pengaduan daring", status=PlanStatus.DONE, show_on_public_page=True
    )
    ActionPlan.objects.filter(pk=done_plan.pk).update(verified_progress=Decimal("100"))
    hidden_plan = make_plan(r2024, opd, title=HIDDEN_PLAN_TITLE, show_on_public_page=False)
    make_plan(r2024, opd, title=DRAFT_PLAN_TITLE, status=PlanStatus.DRAFT, show_on_public_page=True)
    make_plan(r2025, opd, title=DRAFT_ROUND_PLAN_TITLE, show_on_public_page=True)
    followed = Recommendation.objects.create(round=r2024, code="R1", text="Umumkan SOP")
    Recommendation.objects.create(round=r2024, code="R2", text="Perbaiki kanal pengaduan")
    done_plan.recommendations.add(followed)
    return World(public_plan=public_plan, done_plan=done_plan, hidden_plan=hidden_plan)


def public_urls(year=2024) -> list[str]:
    """Every public address of a published year."""
    return [
        "/",
        f"/{year}/",
        "/data/",
        f"/data/{year}/results.csv",
        f"/data/{year}/indicators.csv",
        f"/data/{year}/plans.csv",
        f"/data/{year}/methodology.json",
        "/api/v1/rounds/",
        f"/api/v1/rounds/{year}/",
    ]


def year_urls(year) -> list[str]:
    return [url for url in public_urls(year) if str(year) in url]
