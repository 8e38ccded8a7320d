"""A plan import file of N new plans (the export's columns), and the rows it needs to exist."""

import io

from openpyxl import Workbook


def plan_rows(count, *, year, indicator_code, opd_code, title="Rencana"):
    from actionplans.exporting import COLUMNS

    values = {
        "round_year": year,
        "finding": "Prosedur layanan tidak jelas",
        "indicator_codes": indicator_code,
        "activity": "Menyusun dan mengumumkan SOP",
        "start_date": "2025-01-01",
        "due_date": "2025-12-31",
        "owner_opd_code": opd_code,
        "status": "active",
        "weight": 1,
    }
    return [COLUMNS] + [
        [values.get(name, f"{title} {n}" if name == "title" else None) for name in COLUMNS]
        for n in range(count)
    ]


def xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def plan_world():
    """The methodology, one OPD and an importing superuser; returns the user."""
    from django.contrib.auth import get_user_model

    from actionplans.models import OPD
    from surveys.models import SurveyRound
    from surveys.services import methodology_load_all

    user, _created = get_user_model().objects.get_or_create(
        username="bench-planner", defaults={"is_superuser": True, "is_staff": True}
    )
    if not SurveyRound.objects.exists():
        methodology_load_all(actor=user)
    OPD.objects.get_or_create(code="BENCH-OPD", defaults={"name": "OPD Bench"})
    return user


def plan_file(count) -> io.BytesIO:
    from surveys.models import SurveyRound

    survey_round = SurveyRound.objects.get(year=2024)
    code = survey_round.dimensions.order_by("code").first().code
    return xlsx(plan_rows(count, year=2024, indicator_code=code, opd_code="BENCH-OPD"))
