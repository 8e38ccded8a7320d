"""Open data: the documented fields of every download and the rows that fill them.

The field lists are the documentation: the /data/ page renders them and the tests check
that every CSV header and JSON object carries exactly these names.
"""

import csv
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from surveys import scoring
from surveys.exporting import neutralise
from surveys.selectors import band_rows

FORMULA = (
    "index = w_internal * internal + w_external * external + w_expert * expert"
    " - correction_integrity - correction_prevalence"
)
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class Field:
    name: str
    description: str | Promise


RESULT_FIELDS = (
    Field("year", _("The SPI round.")),
    Field(
        "kpk_code",
        _("The portal's code of the institution (KPK names institutions, it does not code them)."),
    ),
    Field(
        "region_code",
        _("Kemendagri region code (kode wilayah) of a regional government, where known."),
    ),
    Field("institution", _("Name of the institution.")),
    Field("institution_type", _("Type of institution (provinsi, kabupaten, kota, ...).")),
    Field("province", _("Province, where known.")),
    Field("internal", _("Aggregate of the internal respondent group (own staff), 0-100.")),
    Field("external", _("Aggregate of the external group (service users, vendors), 0-100.")),
    Field("expert", _("Aggregate of the expert group (auditors, academics, NGOs), 0-100.")),
    Field("correction_integrity", _("Points deducted for survey-integrity problems.")),
    Field("correction_prevalence", _("Points deducted for corruption cases and facts.")),
    Field("published_index", _("The index KPK published; authoritative. Empty if none.")),
    Field(
        "computed_index",
        _("The index recomputed with the round's weights, rounded half away from zero."),
    ),
    Field("difference", _("published_index minus computed_index.")),
    Field("category_id", _("Category of the headline index (published, else recomputed).")),
    Field("category_en", _("The same category in English.")),
    Field("is_home", _("true for the institution that runs this portal.")),
)
INDICATOR_FIELDS = (
    Field("dimension_code", _("Code of the dimension or indicator (see methodology).")),
    Field("dimension_name_id", _("Its name in Indonesian.")),
    Field("dimension_name_en", _("Its name in English.")),
    Field("parent_code", _("Code of the dimension an indicator belongs to, if any.")),
    Field("respondent_group", _("internal, external or expert.")),
    Field("score", _("Score of the home institution, 0-100.")),
    Field("respondents", _("Number of respondents, where known.")),
    Field("is_illustrative", _("true when the score is example data, not KPK's.")),
)
PLAN_FIELDS = (
    Field("plan_id", _("Stable number of the action plan.")),
    Field("title", _("Title of the action plan.")),
    Field("opd", _("The responsible regional department (OPD).")),
    Field("dimension_codes", _("Codes of the dimensions or indicators it addresses.")),
    Field("public_summary", _("What the plan does, in plain words.")),
    Field("status", _("draft plans are never published; active, done or cancelled.")),
    Field("start_date", _("Start date (YYYY-MM-DD).")),
    Field("due_date", _("Due date (YYYY-MM-DD).")),
    Field("verified_progress", _("Percent done, counting progress the Inspectorate accepted.")),
    Field("is_overdue", _("true when the due date has passed and the plan is not finished.")),
)
BAND_FIELDS = (
    Field("lower_bound", _("Lowest index in the category (inclusive).")),
    Field("upper_bound", _("Lowest index of the next category (exclusive); empty for the top.")),
    Field("label_id", _("Name of the category in Indonesian.")),
    Field("label_en", _("Name of the category in English.")),
    Field("colour", _("Colour of the category.")),
)
DIMENSION_FIELDS = (
    Field("code", _("Code of the dimension or indicator.")),
    Field("name_id", _("Name in Indonesian.")),
    Field("name_en", _("Name in English.")),
    Field("parent_code", _("Code of the parent dimension, if any.")),
)
METHODOLOGY_FIELDS = (
    Field("year", _("Year of the survey round.")),
    Field("formula", _("How the index is recomputed from the group aggregates.")),
    Field("weights", _("The round's weights of the internal, external and expert groups.")),
    Field("tolerance", _("A difference up to this many points is expected rounding.")),
    Field("rounding", _("How the index is rounded and the category decided.")),
    Field("bands", _("The round's categories (fields as in the band table below).")),
    Field("dimensions", _("The round's dimensions and indicators.")),
    Field("methodology_version", _("1, plus one for each change made after publication.")),
    Field("revisions", _("Each change of the methodology, newest first (fields below).")),
    Field("national_index", _("National average index of the round.")),
    Field("national_target", _("National target of the round.")),
    Field("note", _("Which figure is authoritative and where the weights come from.")),
)
REVISION_FIELDS = (
    Field("version", _("The methodology version this change made.")),
    Field("date", _("When it was changed (YYYY-MM-DD).")),
    Field("reason", _("Why the Inspectorate changed it.")),
    Field("before", _("Weights, tolerance, bands and dimensions before the change.")),
    Field("after", _("The same after the change.")),
)
FOLLOW_UP_FIELDS = (
    Field("followed", _("KPK recommendations followed up by a plan that is done and verified.")),
    Field("total", _("All KPK recommendations of the round.")),
    Field("rate", _("followed / total in percent; empty when there are none.")),
)
ROUND_LIST_FIELDS = (
    Field("year", _("Year of the survey round.")),
    Field("index", _("Headline index of the home institution (KPK's when published).")),
    Field("category_id", _("Its category in Indonesian.")),
    Field("category_en", _("Its category in English.")),
    Field("national_index", _("National average index.")),
    Field("national_target", _("National target.")),
    Field("url", _("Address of the round's JSON.")),
)
ROUND_DETAIL_FIELDS = (
    Field("year", _("Year of the survey round.")),
    Field("licence", _("Licence of the data.")),
    Field("methodology", _("Weights, bands and dimensions: enough to recompute every index.")),
    Field("results", _("Every institution of the round, fields as in results.csv.")),
    Field("indicator_scores", _("The home institution's scores, fields as in indicators.csv.")),
    Field("plans", _("Public action plans, fields as in plans.csv.")),
    Field("follow_up", _("Follow-up of KPK's recommendations.")),
    Field("downloads", _("Addresses of the round's CSV and JSON files.")),
)

FIELD_SECTIONS = (
    ("results", "results.csv", RESULT_FIELDS),
    ("indicators", "indicators.csv", INDICATOR_FIELDS),
    ("plans", "plans.csv", PLAN_FIELDS),
    ("methodology", "methodology.json", METHODOLOGY_FIELDS),
    ("bands", "methodology.json · bands", BAND_FIELDS),
    ("dimensions", "methodology.json · dimensions", DIMENSION_FIELDS),
    ("revisions", "methodology.json · revisions", REVISION_FIELDS),
    ("follow-up", "/api/v1/rounds/<year>/ · follow_up", FOLLOW_UP_FIELDS),
    ("round-list", "/api/v1/rounds/", ROUND_LIST_FIELDS),
    ("round-detail", "/api/v1/rounds/<year>/", ROUND_DETAIL_FIELDS),
)


def names(fields) -> list[str]:
    return [field.name for field in fields]


def headline_category(index: scoring.IndexResult, methodology: scoring.Methodology):
    """The category of the headline index: KPK's published index decides when present."""
    return methodology.band_for(index.headline_index)


def result_row(result, methodology: scoring.Methodology, *, year=None) -> dict:
    """One result as open data; a file of them imports back unchanged (import_results)."""
    index = scoring.compute_index(result.group_scores(), methodology)
    category = headline_category(index, methodology)
    institution = result.institution
    return {
        "year": year if year is not None else result.round.year,
        "kpk_code": institution.kpk_code,
        "region_code": institution.region_code,
        "institution": institution.name,
        "institution_type": institution.type,
        "province": institution.province,
        "internal": result.internal,
        "external": result.external,
        "expert": result.expert,
        "correction_integrity": result.correction_integrity,
        "correction_prevalence": result.correction_prevalence,
        "published_index": result.published_index,
        "computed_index": index.computed_index,
        "difference": index.difference,
        "category_id": category.label_id,
        "category_en": category.label_en,
        "is_home": institution.is_home,
    }


def indicator_row(score) -> dict:
    dimension = score.dimension
    return {
        "dimension_code": dimension.code,
        "dimension_name_id": dimension.name_id,
        "dimension_name_en": dimension.name_en,
        "parent_code": dimension.parent.code if dimension.parent_id else "",
        "respondent_group": score.group,
        "score": score.score,
        "respondents": score.respondents,
        "is_illustrative": score.is_illustrative,
    }


def plan_row(plan, today) -> dict:
    return {
        "plan_id": plan.pk,
        "title": plan.title,
        "opd": plan.owner_opd.name,
        "dimension_codes": [dimension.code for dimension in plan.indicators.all()],
        "public_summary": plan.public_summary,
        "status": plan.status,
        "start_date": plan.start_date,
        "due_date": plan.due_date,
        "verified_progress": plan.verified_progress,
        "is_overdue": plan.is_overdue(today),
    }


def band_row(row: dict) -> dict:
    band = row["band"]
    return {
        "lower_bound": band.lower_bound,
        "upper_bound": row["upper"],
        "label_id": band.label_id,
        "label_en": band.label_en,
        "colour": band.colour,
    }


def dimension_row(dimension) -> dict:
    return {
        "code": dimension.code,
        "name_id": dimension.name_id,
        "name_en": dimension.name_en,
        "parent_code": dimension.parent.code if dimension.parent_id else "",
    }


def revision_row(revision) -> dict:
    return {
        "version": revision.version,
        "date": timezone.localdate(revision.created_at),
        "reason": revision.reason,
        "before": revision.before,
        "after": revision.after,
    }


def methodology_document(
    survey_round, methodology: scoring.Methodology, dimensions, revisions=()
) -> dict:
    return {
        "year": survey_round.year,
        "formula": FORMULA,
        "weights": dict(methodology.weights),
        "tolerance": methodology.tolerance,
        "rounding": "ROUND_HALF_UP to 0.01 (half away from zero); category from the rounded index",
        "bands": [band_row(row) for row in band_rows(methodology)],
        "dimensions": [dimension_row(dimension) for dimension in dimensions],
        "methodology_version": revisions[0].version if revisions else 1,
        "revisions": [revision_row(revision) for revision in revisions],
        "national_index": survey_round.national_index,
        "national_target": survey_round.national_target,
        "note": (
            "KPK's published index is authoritative. KPK does not publish the group weights: "
            "these were fitted to its per-institution results, so a recomputation may differ "
            "by 0.01-0.02."
        ),
    }


def csv_cell(value):
    """A value as a CSV cell; text that a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(str(item) for item in value)
    return neutralise(value)


def csv_text(fields, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names(fields))
    for row in rows:
        writer.writerow([csv_cell(row[field.name]) for field in fields])
    return buffer.getvalue()
