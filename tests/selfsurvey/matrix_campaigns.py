"""URL-matrix cases of the self-run survey: campaigns (merged into tests/test_url_matrix.py).

The world's campaign covers OPDs A and B and has responses, so its questionnaire is frozen:
editing it answers 409 and offers a new version; the editable path is in test_campaigns.py."""

from tests.test_url_matrix import (
    INSPECTOR_ONLY,
    INSPECTOR_POST_ONLY,
    INSPECTOR_WRITES,
    LOGIN,
    get,
    post,
)

UNKNOWN = (LOGIN, 404, 403, 403)
CONFLICT = (LOGIN, 409, 403, 403)


def _questionnaire(w):
    return {"pk": w.campaign.questionnaire_id}


def _item(w):
    return {"pk": w.campaign.questionnaire_id, "code": "I01"}


def _campaign(w):
    return {"pk": w.campaign.pk}


def _unknown(w):
    return {"pk": 999999}


def _new_campaign(w, name="Survei mandiri 2027"):
    return {
        "name": name,
        "period_start": "2027-03-01",
        "period_end": "2027-04-30",
        "questionnaire": str(w.campaign.questionnaire_id),
        "opds": [w.opd_a.pk, w.opd_b.pk],
        "groups": ["internal", "external"],
        "min_cell_size": 10,
        "survey_round": "",
    }


def _item_edit(w):
    return {
        "fingerprint": "0",
        "wording_id": "Teks baru",
        "wording_en": "New text",
        "scale_min": 1,
        "scale_max": 4,
        "dont_know_values": "9",
        "scale_labels": "1 | a | a\n2 | b | b\n3 | c | c\n4 | d | d\n9 | e | e",
    }


def _sizes(w, version=None):
    data = {"version": w.campaign.version if version is None else version}
    for unit in w.campaign.units.all():
        data[f"unit-{unit.pk}-population"] = 120
        data[f"unit-{unit.pk}-target_sample"] = 40
    return data


def _version(w):
    return {"version": w.campaign.version}


CASES = {
    "selfsurvey:questionnaire_list": [get(INSPECTOR_ONLY)],
    "selfsurvey:questionnaire_detail": [
        get(INSPECTOR_ONLY, kwargs=_questionnaire),
        get(INSPECTOR_ONLY, "json", kwargs=_questionnaire, query="format=json"),
        get(UNKNOWN, "unknown", kwargs=_unknown),
    ],
    "selfsurvey:questionnaire_edit": [
        get(INSPECTOR_ONLY, "frozen", kwargs=_item),
        get(
            UNKNOWN,
            "unknown item",
            kwargs=lambda w: {"pk": w.campaign.questionnaire_id, "code": "X"},
        ),
        post(CONFLICT, "frozen", kwargs=_item, data=_item_edit),
    ],
    "selfsurvey:questionnaire_new_version": [
        get(INSPECTOR_POST_ONLY, kwargs=_questionnaire),
        post(INSPECTOR_WRITES, kwargs=_questionnaire, data=lambda w: {}, writes=True),
    ],
    "selfsurvey:campaign_list": [get(INSPECTOR_ONLY)],
    "selfsurvey:campaign_create": [
        get(INSPECTOR_ONLY),
        post(INSPECTOR_WRITES, data=_new_campaign, writes=True),
        post(
            INSPECTOR_ONLY,
            "name taken",
            data=lambda w: _new_campaign(w, name=w.campaign.name),
        ),
    ],
    "selfsurvey:campaign_detail": [
        get(INSPECTOR_ONLY, kwargs=_campaign),
        get(UNKNOWN, "unknown", kwargs=_unknown),
    ],
    "selfsurvey:campaign_units_edit": [
        get(INSPECTOR_ONLY, kwargs=_campaign),
        post(INSPECTOR_WRITES, kwargs=_campaign, data=_sizes, writes=True),
        post(CONFLICT, "stale", kwargs=_campaign, data=lambda w: _sizes(w, version=0)),
    ],
    "selfsurvey:campaign_open": [
        get(INSPECTOR_POST_ONLY, kwargs=_campaign),
        post(INSPECTOR_WRITES, kwargs=_campaign, data=_version, writes=True),
    ],
    # the world's campaign is a draft: closing it is refused on its page
    "selfsurvey:campaign_close": [
        get(INSPECTOR_POST_ONLY, kwargs=_campaign),
        post(INSPECTOR_WRITES, "a draft", kwargs=_campaign, data=_version),
    ],
}
