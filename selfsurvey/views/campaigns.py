"""Pages of the self-run survey: questionnaires and campaigns (the Inspectorate's only)."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from selfsurvey import campaigning, services
from selfsurvey.forms import CampaignCreateForm, ItemForm, VersionForm, unit_size_forms
from selfsurvey.models import Campaign, Item, Questionnaire

CONFLICT = 409


def inspectorate(view):
    guarded = login_required(permission_required(services.MANAGE, raise_exception=True)(view))
    return functools.wraps(view)(guarded)


# --- questionnaires ------------------------------------------------------------------------------


@inspectorate
def questionnaire_list(request):
    rows = campaigning.questionnaire_rows()
    return render(request, "selfsurvey/campaigns/questionnaire_list.html", {"rows": rows})


@inspectorate
def questionnaire_detail(request, pk):
    """The questionnaire's indicators and items; `?format=json` downloads its definition."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    if request.GET.get("format") == "json":
        return _definition_download(questionnaire)
    context = campaigning.questionnaire_page(questionnaire)
    return render(request, "selfsurvey/campaigns/questionnaire_detail.html", context)


def _definition_download(questionnaire):
    definition = campaigning.questionnaire_definition(questionnaire)
    response = JsonResponse(definition, json_dumps_params={"ensure_ascii": False, "indent": 2})
    name = f"kuesioner-{questionnaire.code}-v{questionnaire.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@inspectorate
def questionnaire_edit(request, pk, code):
    """One item's wording, scale, labels, reverse flag and "don't know" values; a frozen
    questionnaire offers a new version instead of a form."""
    item = get_object_or_404(
        Item.objects.select_related("questionnaire", "indicator"), questionnaire_id=pk, code=code
    )
    context = {"item": item, "questionnaire": item.questionnaire}
    if campaigning.questionnaire_is_frozen(item.questionnaire):
        status = CONFLICT if request.method == "POST" else 200
        return _edit_page(request, context | {"frozen": True}, status=status)
    form = ItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            campaigning.item_update(
                actor=request.user,
                item=item,
                fingerprint=form.cleaned_data["fingerprint"],
                **form.changes(),
            )
        except campaigning.StaleEdit as stale:
            return _edit_page(request, context | {"form": _refreshed(item, stale)}, CONFLICT)
        except campaigning.QuestionnaireFrozen:
            return _edit_page(request, context | {"frozen": True}, status=CONFLICT)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Item %(code)s was saved.") % {"code": item.code})
            return redirect("selfsurvey:questionnaire_detail", pk=pk)
    return _edit_page(request, context | {"form": form})


def _edit_page(request, context, status=200):
    return render(request, "selfsurvey/campaigns/questionnaire_edit.html", context, status=status)


def _refreshed(item, stale) -> ItemForm:
    """The form on the item as it is now, with why: the other change is seen, not overwritten."""
    item.refresh_from_db()
    form = ItemForm(None, item=item)
    form.conflict = str(stale)
    return form


def _add_errors(form, error: ValidationError):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.error_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@inspectorate
@require_POST
def questionnaire_new_version(request, pk):
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    new = campaigning.questionnaire_new_version(actor=request.user, questionnaire=questionnaire)
    messages.success(
        request,
        _("Version %(version)s was made from version %(old)s; edit it before using it.")
        % {"version": new.version, "old": questionnaire.version},
    )
    return redirect("selfsurvey:questionnaire_detail", pk=new.pk)


# --- campaigns -----------------------------------------------------------------------------------


@inspectorate
def campaign_list(request):
    context = {"campaigns": campaigning.campaign_rows()}
    return render(request, "selfsurvey/campaigns/campaign_list.html", context)


@inspectorate
def campaign_create(request):
    form = CampaignCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = _created(request.user, form)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The campaign was created as a draft."))
            return redirect("selfsurvey:campaign_detail", pk=campaign.pk)
    return render(request, "selfsurvey/campaigns/campaign_form.html", {"form": form})


@transaction.atomic  # the shipped questionnaire is loaded only with the campaign that uses it
def _created(actor, form):
    data = form.cleaned_data
    return services.campaign_create(
        actor=actor,
        name=data["name"],
        questionnaire=form.questionnaire_choice() or services.default_questionnaire(actor=actor),
        period_start=data["period_start"],
        period_end=data["period_end"],
        opds=data["opds"],
        groups=data["groups"],
        min_cell_size=data["min_cell_size"],
        survey_round=data["survey_round"],
    )


@inspectorate
def campaign_detail(request, pk):
    campaign = get_object_or_404(Campaign.objects.select_related("questionnaire", "round"), pk=pk)
    context = campaigning.campaign_page(campaign)
    return render(request, "selfsurvey/campaigns/campaign_detail.html", context)


@inspectorate
def campaign_units_edit(request, pk):
    """Population and target sample of every unit, saved together on the campaign's version."""
    campaign = get_object_or_404(Campaign, pk=pk)
    units = list(campaign.units.select_related("opd").order_by("opd__name", "group"))
    version_form = VersionForm(request.POST or None, initial={"version": campaign.version})
    rows = unit_size_forms(units, request.POST or None)
    status = 200
    if request.method == "POST" and version_form.is_valid() and _all_valid(rows):
        sizes = {
            unit.pk: (form.cleaned_data["population"], form.cleaned_data["target_sample"])
            for unit, form in rows
        }
        try:
            campaigning.campaign_units_update(
                actor=request.user,
                campaign=campaign,
                version=version_form.cleaned_data["version"],
                sizes=sizes,
            )
        except campaigning.StaleEdit as stale:
            campaign.refresh_from_db()
            units = list(campaign.units.select_related("opd").order_by("opd__name", "group"))
            version_form = VersionForm(initial={"version": campaign.version})
            rows, status = unit_size_forms(units), CONFLICT
            version_form.conflict = str(stale)
        except ValidationError as error:
            version_form.problems = error.messages
        else:
            messages.success(request, _("Populations and target samples were saved."))
            return redirect("selfsurvey:campaign_detail", pk=pk)
    context = {"campaign": campaign, "version_form": version_form, "rows": rows}
    return render(request, "selfsurvey/campaigns/campaign_units.html", context, status=status)


def _all_valid(rows) -> bool:
    return all([form.is_valid() for _unit, form in rows])


def _status_change(service, done_message):
    @inspectorate
    @require_POST
    def change(request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        form = VersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The page was out of date; try again."))
            return redirect("selfsurvey:campaign_detail", pk=pk)
        try:
            service(actor=request.user, campaign=campaign, version=form.cleaned_data["version"])
        except (campaigning.StaleEdit, ValidationError) as refused:
            messages.error(request, " ".join(getattr(refused, "messages", [str(refused)])))
        else:
            messages.success(request, done_message())
        return redirect("selfsurvey:campaign_detail", pk=pk)

    return change


campaign_open = _status_change(
    campaigning.campaign_open, lambda: _("The campaign is collecting responses.")
)
campaign_close = _status_change(
    campaigning.campaign_close, lambda: _("The campaign is closed: it takes no more responses.")
)


urlpatterns = [
    path("kuesioner/", questionnaire_list, name="questionnaire_list"),
    path("kuesioner/<int:pk>/", questionnaire_detail, name="questionnaire_detail"),
    path("kuesioner/<int:pk>/butir/<str:code>/", questionnaire_edit, name="questionnaire_edit"),
    path(
        "kuesioner/<int:pk>/versi-baru/",
        questionnaire_new_version,
        name="questionnaire_new_version",
    ),
    path("kampanye/", campaign_list, name="campaign_list"),
    path("kampanye/baru/", campaign_create, name="campaign_create"),
    path("kampanye/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("kampanye/<int:pk>/ukuran/", campaign_units_edit, name="campaign_units_edit"),
    path("kampanye/<int:pk>/buka/", campaign_open, name="campaign_open"),
    path("kampanye/<int:pk>/tutup/", campaign_close, name="campaign_close"),
]
