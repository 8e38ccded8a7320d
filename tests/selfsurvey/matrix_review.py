"""URL-matrix cases of the self-run survey: review (merged into tests/test_url_matrix.py)."""

from selfsurvey import reviewing
from tests.test_url_matrix import (
    INSPECTOR_ONLY,
    INSPECTOR_WRITES,
    LOGIN,
    get,
    post,
)


def _campaign(w):
    return {"pk": w.campaign.pk}


def _decision(w, **changes):
    """Exclude the campaign's first response, with the token its card would carry."""
    response = w.campaign.responses.order_by("pk").first()
    token = reviewing.state_token([(response.pk, response.excluded, None)])
    data = {"ids": str(response.pk), "token": token, "decision": "exclude", "reason": "Uji"}
    return data | changes


CASES = {
    "selfsurvey:review_list": [
        get(INSPECTOR_ONLY, kwargs=_campaign),
        get(INSPECTOR_ONLY, "filtered", kwargs=_campaign, query="flag=too_fast&decision=kept"),
        get((LOGIN, 404, 403, 403), "unknown campaign", kwargs=lambda w: {"pk": 10**9}),
        post(INSPECTOR_WRITES, kwargs=_campaign, data=_decision, writes=True),
        post(
            INSPECTOR_ONLY, "no reason", kwargs=_campaign, data=lambda w: _decision(w, reason=" ")
        ),
        post(INSPECTOR_ONLY, "stale", kwargs=_campaign, data=lambda w: _decision(w, token="old")),
        post(
            INSPECTOR_ONLY,
            "ids not numbers",
            kwargs=_campaign,
            data=lambda w: _decision(w, ids="x"),
        ),
    ],
}
