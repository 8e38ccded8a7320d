"""URL-matrix cases of the self-run survey: results (merged into tests/test_url_matrix.py).

The map compares OPDs: the Inspectorate's; the head of an OPD is sent on to their own OPD's page.
An OPD's page is the Inspectorate's and its own head's; another OPD's head gets 404.
"""

from tests.test_url_matrix import INSPECTOR_ONLY, LOGIN, STAFF, get


def _campaign(w):
    return {"pk": w.campaign.pk}


def _opd(attribute):
    return lambda w: {"pk": w.campaign.pk, "code": getattr(w, attribute).code}


CASES = {
    "selfsurvey:campaign_map": [
        get((LOGIN, 200, 302, 302), kwargs=_campaign),
        get((LOGIN, 200, 302, 302), "one group", kwargs=_campaign, query="group=internal"),
        get((LOGIN, 404, 404, 404), "unknown campaign", kwargs=lambda w: {"pk": 999999}),
    ],
    "selfsurvey:campaign_opd": [
        get((LOGIN, 200, 200, 404), "OPD A", kwargs=_opd("opd_a")),
        get((LOGIN, 200, 404, 200), "OPD B", kwargs=_opd("opd_b")),
        get(
            (LOGIN, 404, 404, 404),
            "OPD not in the campaign",
            kwargs=lambda w: {"pk": w.campaign.pk, "code": "NOPE"},
        ),
    ],
    "selfsurvey:campaign_scores_csv": [get(INSPECTOR_ONLY, kwargs=_campaign)],
    "selfsurvey:campaign_trend": [get(STAFF)],
}
