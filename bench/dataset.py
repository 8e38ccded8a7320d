"""A synthetic regency at benchmark scale, written with bulk_create.

10 survey rounds (the methodology packs 2021-2025, then 2026-2030 copied from the latest), each
published, with the home institution's result and 59 peers; 60 OPDs, each with a head; the
inspector; and per round `plans_per_round` action plans spread over the OPDs, each addressing one
indicator, a third shown on the public page, half with an accepted progress report (so they have
verified progress) and a tenth with one waiting for verification.

`dataset_grow(plans_per_round=...)` adds plans up to the new count, so the same database can be
measured at 1x and then at 10x; it bumps the data generation, as the services do, so pages cached
at 1x are not served at 10x.
"""

import functools
import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    OPD,
    ActionPlan,
    OPDMembership,
    OPDRole,
    PlanStatus,
    ProgressReport,
    ReportStatus,
)
from surveys import public_cache
from surveys.models import Dimension, Institution, InstitutionResult, RoundStatus, SurveyRound
from surveys.services import methodology_load_all, round_create_from_previous

ROUNDS = range(2021, 2031)
OPD_COUNT = 60
PEERS = 59
PASSWORD = "bench-only-password-2024"
INSPECTOR = "bench-inspektur"
HOME_CODE = "KAB-BENCH"


def head_username(number: int) -> str:
    return f"bench-kepala-{number:02d}"


@transaction.atomic
def dataset_build(*, plans_per_round: int) -> None:
    """Everything but the plans once, then the plans (see the module docstring)."""
    rng = random.Random(2024)
    inspector = _user(INSPECTOR, "Inspektorat", is_staff=True)
    methodology_load_all(actor=inspector)
    for year in ROUNDS:
        if not SurveyRound.objects.filter(year=year).exists():
            round_create_from_previous(year=year, actor=inspector)
    SurveyRound.objects.update(status=RoundStatus.PUBLISHED)
    _results(rng)
    opds = OPD.objects.bulk_create(
        OPD(code=f"OPD-{n:02d}", name=f"Dinas Sintetis {n:02d}", short_name=f"Dinas {n:02d}")
        for n in range(OPD_COUNT)
    )
    for number, opd in enumerate(opds):
        head = _user(head_username(number), "Kepala OPD")
        OPDMembership.objects.create(user=head, opd=opd, role=OPDRole.HEAD)
    dataset_grow(plans_per_round=plans_per_round)


@functools.cache
def _password_hash():
    return make_password(PASSWORD)


def _user(username, group_name, *, is_staff=False):
    user = get_user_model()(username=username, is_staff=is_staff, password=_password_hash())
    user.save()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def _results(rng):
    home = Institution.objects.create(
        kpk_code=HOME_CODE,
        name="Pemerintah Kabupaten Bench",
        type="kabupaten",
        province="Kalimantan Tengah",
        is_home=True,
    )
    peers = Institution.objects.bulk_create(
        Institution(
            kpk_code=f"PEER-{n:03d}",
            name=f"Pemerintah Kabupaten Peer {n:03d}",
            type="kabupaten",
            province="Kalimantan Tengah" if n % 3 else "Kalimantan Barat",
        )
        for n in range(PEERS)
    )
    results = [
        InstitutionResult(
            round=survey_round,
            institution=institution,
            internal=_score(rng, 55, 90),
            external=_score(rng, 65, 97),
            expert=_score(rng, 45, 90),
        )
        for survey_round in SurveyRound.objects.all()
        for institution in [home, *peers]
    ]
    InstitutionResult.objects.bulk_create(results)


def _score(rng, low, high) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


@transaction.atomic
def dataset_grow(*, plans_per_round: int) -> None:
    """Add plans (with their indicators and reports) until each round has `plans_per_round`."""
    rng = random.Random(plans_per_round)
    opds = list(OPD.objects.order_by("code"))
    heads = dict(OPDMembership.objects.values_list("opd_id", "user_id"))
    for survey_round in SurveyRound.objects.order_by("year"):
        have = ActionPlan.objects.filter(round=survey_round).count()
        indicators = list(Dimension.objects.filter(round=survey_round).values_list("pk", flat=True))
        plans = ActionPlan.objects.bulk_create(
            _plan(rng, survey_round, opds[n % len(opds)], n) for n in range(have, plans_per_round)
        )
        link = ActionPlan.indicators.through
        link.objects.bulk_create(
            link(actionplan_id=plan.pk, dimension_id=rng.choice(indicators)) for plan in plans
        )
        ProgressReport.objects.bulk_create(_reports(rng, plans, heads))
    # bulk_create skips the services, so announce the new data as they do: both generations
    public_cache.bump(public_cache.SURVEY_DATA)
    public_cache.bump(public_cache.PLAN_DATA)


def _plan(rng, survey_round, opd, number):
    start = date(survey_round.year, 1, 1) + timedelta(days=rng.randint(0, 90))
    verified = number % 2 == 0
    return ActionPlan(
        round=survey_round,
        title=f"Rencana aksi {survey_round.year}-{number:04d}: perbaikan layanan {opd.short_name}",
        finding="Temuan sintetis untuk pengukuran kinerja.",
        root_cause="Prosedur belum dibakukan.",
        activity="Menyusun SOP, sosialisasi, dan evaluasi berkala.",
        output="SOP ditetapkan",
        start_date=start,
        due_date=start + timedelta(days=rng.randint(60, 400)),
        owner_opd=opd,
        status=PlanStatus.ACTIVE,
        public_summary="Ringkasan untuk publik." if number % 3 == 0 else "",
        show_on_public_page=number % 3 == 0,
        verified_progress=Decimal(rng.randint(0, 100)) if verified else None,
        verified_at=timezone.now() if verified else None,
    )


def _reports(rng, plans, heads):
    for number, plan in enumerate(plans):
        status = None
        if plan.verified_progress is not None:
            status = ReportStatus.ACCEPTED
        elif number % 5 == 1:
            status = ReportStatus.PENDING
        if status is not None:
            yield ProgressReport(
                plan=plan,
                reporter_id=heads[plan.owner_opd_id],
                percent=int(plan.verified_progress or rng.randint(10, 90)),
                narrative="Capaian sintetis.",
                status=status,
            )
