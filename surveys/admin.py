from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from surveys import scoring
from surveys.admin_policy import HistoryAdmin, PolicyAdmin, PolicyInline, PublicDataSaves
from surveys.models import (
    CategoryBand,
    Dimension,
    ImportBatch,
    IndicatorScore,
    Institution,
    InstitutionResult,
    SurveyRound,
)


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


class CategoryBandInline(PolicyInline, admin.TabularInline):
    model = CategoryBand
    formset = BandFormSet
    extra = 0


class DimensionInline(PolicyInline, admin.TabularInline):
    model = Dimension
    fk_name = "round"
    extra = 0
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


@admin.register(Institution)
class InstitutionAdmin(PublicDataAdmin):
    list_display = ["kpk_code", "name", "type", "province", "is_home"]
    list_filter = ["type", "is_home"]
    search_fields = ["kpk_code", "name", "province"]


@admin.register(InstitutionResult)
class InstitutionResultAdmin(PublicDataAdmin):
    list_display = ["institution", "round", "internal", "external", "expert", "published_index"]
    list_filter = ["round"]
    search_fields = ["institution__name", "institution__kpk_code"]
    list_select_related = ["institution", "round"]


@admin.register(IndicatorScore)
class IndicatorScoreAdmin(PublicDataAdmin):
    list_display = ["institution", "round", "dimension", "group", "score", "is_illustrative"]
    list_filter = ["round", "group"]
    list_select_related = ["institution", "round", "dimension"]


@admin.register(Dimension)
class DimensionAdmin(PublicDataAdmin):
    list_display = ["code", "name_id", "round"]
    list_filter = ["round"]


@admin.register(CategoryBand)
class CategoryBandAdmin(PublicDataAdmin):
    list_display = ["round", "lower_bound", "label_id", "colour"]
    list_filter = ["round"]


@admin.register(ImportBatch)
class ImportBatchAdmin(PolicyAdmin, admin.ModelAdmin):
    """The import log is written by the importer only (see ADMIN_WRITES)."""

    list_display = ["file_name", "kind", "created_at", "created_by", "outcome", "rows_total"]
    list_filter = ["kind", "outcome"]
