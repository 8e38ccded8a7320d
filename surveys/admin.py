from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from surveys import scoring, selectors
from surveys.admin_policy import HistoryAdmin, PolicyAdmin, PolicyInline, PublicDataSaves
from surveys.models import (
    CategoryBand,
    Dimension,
    ImportBatch,
    IndicatorScore,
    Institution,
    InstitutionResult,
    MethodologyRevision,
    PortalSettings,
    SurveyRound,
)

ROUND_METHODOLOGY_FIELDS = ["weight_internal", "weight_external", "weight_expert", "tolerance"]
# what the public read once the round was published: changed only as a new methodology version
FROZEN_ROUND_FIELDS = [
    *ROUND_METHODOLOGY_FIELDS,
    "national_index",
    "national_target",
    "source_note",
]


class PublicDataAdmin(PublicDataSaves, HistoryAdmin):
    """Edits here can change what the public page shows: drop its cache after each."""


class BandFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        bounds = [
            form.cleaned_data["lower_bound"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("lower_bound") is not None
        ]
        problems = scoring.band_problems(bounds)
        if problems:
            raise ValidationError(
                _("The bands must cover 0-100 with no gap or overlap: %(problems)s.")
                % {"problems": "; ".join(problems)}
            )


def _frozen(survey_round) -> bool:
    return survey_round is not None and selectors.methodology_is_frozen(survey_round)


class MethodologyInline(PolicyInline, admin.TabularInline):
    """Bands and dimensions of a round: read-only once the round has been published."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _frozen(obj) and super().has_change_permission(request, obj)


class RoundPartAdmin(PublicDataAdmin):
    """A row of one round (band, dimension, result, indicator score): read-only once the round
    has been published, none added to one, never moved to another round, and never attributed
    to an import it did not come from."""

    def has_change_permission(self, request, obj=None):
        return not (obj and _frozen(obj.round)) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        field_names = {field.name for field in self.model._meta.fields}
        readonly += [name for name in ("import_batch",) if name in field_names]
        return readonly + ["round"] if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "round":
            kwargs["queryset"] = selectors.methodology_editable_rounds()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CategoryBandInline(MethodologyInline):
    model = CategoryBand
    formset = BandFormSet


class DimensionInline(MethodologyInline):
    model = Dimension
    fk_name = "round"
    fields = [
        "code",
        "name_id",
        "name_en",
        "parent",
        "answered_by_internal",
        "answered_by_external",
        "answered_by_expert",
    ]


@admin.register(SurveyRound)
class SurveyRoundAdmin(PublicDataAdmin):
    list_display = ["year", "status", "weight_internal", "weight_external", "weight_expert"]
    inlines = [CategoryBandInline, DimensionInline]

    def get_readonly_fields(self, request, obj=None):
        # publishing goes through round_publish/round_unpublish (reason, history, public cache)
        readonly = list(super().get_readonly_fields(request, obj)) + ["status", "unpublish_reason"]
        if obj is not None:
            readonly.append("year")  # a round's year is its identity in every address
        return readonly + FROZEN_ROUND_FIELDS if _frozen(obj) else readonly


@admin.register(Institution)
class InstitutionAdmin(PublicDataAdmin):
    list_display = ["kpk_code", "region_code", "name", "type", "province", "is_home"]
    list_filter = ["type", "is_home", "province"]
    search_fields = ["kpk_code", "region_code", "name", "name_key", "province"]


@admin.register(InstitutionResult)
class InstitutionResultAdmin(RoundPartAdmin):
    list_display = ["institution", "round", "internal", "external", "expert", "published_index"]
    list_filter = ["round"]
    search_fields = ["institution__name", "institution__kpk_code"]
    list_select_related = ["institution", "round"]


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(RoundPartAdmin):
    list_display = ["institution", "round", "dimension", "group", "score", "is_illustrative"]
    list_filter = ["round", "group"]
    list_select_related = ["institution", "round", "dimension"]


@admin.register(Dimension)
class DimensionAdmin(RoundPartAdmin):
    list_display = ["code", "name_id", "round"]
    list_filter = ["round"]


@admin.register(CategoryBand)
class CategoryBandAdmin(RoundPartAdmin):
    list_display = ["round", "lower_bound", "label_id", "colour"]
    list_filter = ["round"]


@admin.register(ImportBatch)
class ImportBatchAdmin(PolicyAdmin, admin.ModelAdmin):
    """The import log is written by the importer only (see ADMIN_WRITES)."""

    list_display = ["file_name", "kind", "created_at", "created_by", "outcome", "rows_total"]
    list_filter = ["kind", "outcome"]


@admin.register(MethodologyRevision)
class MethodologyRevisionAdmin(PolicyAdmin, admin.ModelAdmin):
    """Written by methodology_revise only (the round's methodology page)."""

    list_display = ["round", "version", "created_at", "actor", "reason"]
    list_filter = ["round"]


@admin.register(PortalSettings)
class PortalSettingsAdmin(HistoryAdmin):
    """Shown with its history; changed only on the portal's settings page (which checks the
    version and the Inspectorate's right)."""

    list_display = ["__str__", "current_round", "version"]
