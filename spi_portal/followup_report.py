"""The follow-up report as an official document: its reads, and its workbook (one sheet per
section). A module of its own beside selectors.py: the page, the PDF and the XLSX read the
same `report_content`, so the three never tell different stories."""

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from actionplans import selectors as plan_selectors
from actionplans.models import OVERDUE_LABEL, ActionPlan, PlanStatus
from surveys import exporting, scoring
from surveys import selectors as survey_selectors
from surveys.naming import indicator_name, indicator_names
from surveys.templatetags.spi import band_label, group_label

DATE_CELL_FORMAT = "DD/MM/YYYY"
SCORE_CELL_FORMAT = "0.00"
PERCENT_CELL_FORMAT = "0.0"


@dataclass(frozen=True)
class Document:
    """What the Inspectorate chooses when it issues the report."""

    number: str
    issued_on: date
    addressee: str


def report_content(survey_round, today=None) -> dict:
    """Summary first (index, category, follow-up rate, plans by state, overdue), then every
    recommendation, weak point and plan of the round, each plan with its state as of `today`."""
    today = today or timezone.localdate()
    plans = _plans(survey_round)
    for plan in plans:
        plan.state = plan.state_label(today)
    content = {
        "round": survey_round,
        "plans": plans,
        "plan_states": _plan_states(plans),
        "overdue_count": sum(plan.is_overdue(today) for plan in plans),
        "follow_up": plan_selectors.follow_up_rate(survey_round),
        "recommendations": _recommendations(survey_round, plans),
        **_index(survey_round),
    }
    content["weak_points"] = _weak_points(content.get("weak_indicators", []), plans)
    return content


def _plans(survey_round) -> list:
    return list(
        ActionPlan.objects.filter(round=survey_round)
        .select_related("owner_opd")
        .prefetch_related("indicators", "recommendations")
        .annotate(evidence_count=Count("reports__evidence", distinct=True))
        .order_by("owner_opd__name", "due_date", "pk")
    )


def _plan_states(plans) -> list[tuple[str, int]]:
    """(state, number of plans) in the order of the statuses, "Overdue" after "Active"."""
    counts = Counter(plan.state for plan in plans)
    order = [label for value, label in PlanStatus.choices]
    order.insert(order.index(PlanStatus.ACTIVE.label) + 1, OVERDUE_LABEL)
    return [(str(label), counts[str(label)]) for label in order if counts[str(label)]]


def _recommendations(survey_round, plans) -> list:
    recommendations = list(
        survey_round.recommendations.order_by("code").prefetch_related(
            Prefetch("plans", queryset=ActionPlan.objects.only("pk"))
        )
    )
    plans_by_pk = {plan.pk: plan for plan in plans}
    for recommendation in recommendations:
        recommendation.report_plans = [plans_by_pk[p.pk] for p in recommendation.plans.all()]
        recommendation.state = _recommendation_state(recommendation)
    return recommendations


def _recommendation_state(recommendation) -> str:
    """The same rule as the follow-up rate: followed up once a plan is done and verified 100 %."""
    if recommendation.is_withdrawn:
        return _("Withdrawn")
    statuses = {(plan.status, plan.verified_progress) for plan in recommendation.report_plans}
    if (PlanStatus.DONE, Decimal(100)) in statuses:
        return _("Followed up")
    if any(status in plan_selectors.COVERING_STATUSES for status, _progress in statuses):
        return _("In progress")
    return _("No plan under way")


def _index(survey_round) -> dict:
    result = survey_selectors.home_result(survey_round)
    if result is None:
        return {"index": None}
    methodology = survey_selectors.methodology_for(survey_round)
    index = scoring.compute_index(result.group_scores(), methodology)
    scores = survey_selectors.home_indicator_scores(survey_round)
    weak = survey_selectors.weak_indicators(index, scores)
    return {"index": index, "result": result, "weak_indicators": weak}


def _weak_points(weak_indicators, plans) -> list[dict]:
    """Each weak indicator score with the plans of the round that name the indicator."""
    return [
        {
            "weak": weak,
            "plans": [p for p in plans if weak.code in {i.code for i in p.indicators.all()}],
        }
        for weak in weak_indicators
    ]


# --- the workbook -------------------------------------------------------------------------


def report_workbook(content: dict, document: Document, letterhead) -> bytes:
    """The report's sections as sheets, headers in the page's language, dates and numbers as
    real cells (a spreadsheet can sort and sum them)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _summary_sheet(workbook, content, document, letterhead)
    _sheet(workbook, _("Recommendations"), *_recommendation_table(content))
    _sheet(workbook, _("Weak points"), *_weak_point_table(content))
    _sheet(workbook, _("Action plans"), *_plan_table(content))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _institution_line(letterhead) -> str:
    institution = letterhead.letterhead_institution or _("Inspectorate")
    if letterhead.letterhead_government:
        return f"{institution} · {letterhead.letterhead_government}"
    return institution


def _summary_sheet(workbook, content, document, letterhead):
    index = content["index"]
    year = content["round"].year
    follow_up = content["follow_up"]
    rows = [
        (_("Institution"), _institution_line(letterhead)),
        (_("Document number"), document.number),
        (_("Date"), document.issued_on),
        (_("To"), document.addressee),
        (_("Subject"), _("Follow-up report on the Integrity Assessment Survey") + f" SPI {year}"),
        (_("Integrity index"), index.headline_index if index else None),
        (_("Category"), band_label(index.headline_category) if index else None),
        (_("Follow-up rate (%)"), follow_up["rate"]),
        (_("Recommendations followed up"), follow_up["followed"]),
        (_("Recommendations in force"), follow_up["total"]),
        (_("Action plans"), len(content["plans"])),
        *[
            (_("Plans: %(state)s") % {"state": state}, count)
            for state, count in content["plan_states"]
        ],
        (pgettext("plan state", "Overdue plans"), content["overdue_count"]),
    ]
    _sheet(workbook, _("Summary"), [_("Item"), _("Value")], rows)


def _recommendation_table(content):
    header = [_("Code"), _("Recommendation"), _("Follow-up state"), _("Action plans")]
    rows = [
        (r.code, r.text, r.state, "; ".join(plan.title for plan in r.report_plans))
        for r in content["recommendations"]
    ]
    return header, rows


def _weak_point_table(content):
    header = [_("Indicator"), _("Indicator name"), _("Respondent group"), _("Score")]
    header.append(_("Gap to the next category"))
    header.append(_("Action plans"))
    rows = [
        (
            point["weak"].code,
            indicator_name(point["weak"]),
            group_label(point["weak"].group) if point["weak"].group else "",
            point["weak"].score,
            point["weak"].gap,
            "; ".join(plan.title for plan in point["plans"]),
        )
        for point in content["weak_points"]
    ]
    return header, rows


def _plan_table(content):
    header = [_("Plan"), "OPD", _("Indicators"), _("Indicator names"), _("Recommendations")]
    header.append(_("Status"))
    header += [_("Due"), _("Verified progress (%)"), _("Evidence files")]
    rows = [
        (
            plan.title,
            plan.owner_opd.name,
            ", ".join(i.code for i in plan.indicators.all()),
            indicator_names(plan.indicators.all()),
            ", ".join(r.code for r in plan.recommendations.all()),
            plan.state,
            plan.due_date,
            plan.verified_progress,
            plan.evidence_count,
        )
        for plan in content["plans"]
    ]
    return header, rows


def _sheet(workbook, title, header, rows):
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append([str(cell) for cell in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
        for cell in sheet[sheet.max_row]:
            _format_cell(cell)
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (40, 28, 18, 18, 18, 14, 14, 12), strict=False):
        sheet.column_dimensions[column].width = width


def _cell_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date) or value is None or isinstance(value, int | float):
        return value
    return exporting.neutralise(str(value))


def _format_cell(cell):
    if isinstance(cell.value, date):
        cell.number_format = DATE_CELL_FORMAT
    elif isinstance(cell.value, float):
        cell.number_format = SCORE_CELL_FORMAT
