"""URL-matrix cases of the self-run survey: collect (merged into tests/test_url_matrix.py).

The world's campaign is a draft, so its respondent form answers everyone with the closed page
(200) and a POST to it stores nothing; the open form's flow, codes and rate limit are tested in
tests/selfsurvey/test_collect.py. The code sheet is answered with 201 Created: the POST writes
the codes and shows them in that same answer, the only time they are ever shown.
"""

from tests.test_url_matrix import EVERYONE, INSPECTOR_ONLY, LOGIN, NOBODY, get, post


def _unit(w, group):
    return w.campaign.units.get(opd=w.opd_a, group=group)


def _token(group):
    return lambda w: {"token": _unit(w, group).link_token}


def _pk(group):
    return lambda w: {"pk": _unit(w, group).pk}


UNKNOWN_LINK = lambda w: {"token": "no-such-link"}  # noqa: E731

CASES = {
    "selfsurvey:respond": [
        get(EVERYONE, "draft campaign: the closed page", kwargs=_token("external")),
        get(EVERYONE, "draft campaign, English", kwargs=_token("internal"), query="lang=en"),
        get(NOBODY, "unknown link", kwargs=UNKNOWN_LINK),
        post(
            EVERYONE,
            "draft campaign: nothing stored",
            kwargs=_token("external"),
            data=lambda w: {"go": "send"},
        ),
    ],
    "selfsurvey:respond_thanks": [
        get(EVERYONE, kwargs=_token("external")),
        get(NOBODY, "unknown link", kwargs=UNKNOWN_LINK),
    ],
    "selfsurvey:codes": [
        get(INSPECTOR_ONLY, kwargs=_pk("internal")),
        get((LOGIN, 404, 403, 403), "external unit: no codes", kwargs=_pk("external")),
        post(
            (LOGIN, 201, 403, 403),
            kwargs=_pk("internal"),
            data=lambda w: {"count": 3},
            writes=True,
        ),
        post((LOGIN, 200, 403, 403), "no count", kwargs=_pk("internal"), data=lambda w: {}),
    ],
    "selfsurvey:poster": [
        get(INSPECTOR_ONLY, kwargs=_pk("external")),
        get(INSPECTOR_ONLY, "internal unit", kwargs=_pk("internal")),
    ],
}
