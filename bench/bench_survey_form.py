"""Server CPU of the respondent web form: the form page and one submission (issue 15: <= 15 ms).

    SECRET_KEY=x .venv/bin/python bench/bench_survey_form.py [--repeat 300] [--json]

In one process, on a fresh database (a temporary SQLite file, or with DATABASE_URL a fresh
`test_<name>` database on that server, dropped at the end): a campaign with the shipped
questionnaire, open today. Each figure is the CPU time of this process (time.process_time)
around one request through Django's test client, every middleware included, repeated
`--repeat` times after a warm-up; the median and the 90th percentile are printed, beside
/healthz measured the same way in the same run (the ratio). The requests:

- the intro GET of an external unit's form (the page a QR code opens);
- the first page of questions (the intro's POST, which signs the form's state);
- one submission of an external unit (the last page's POST: checks every answer, counts the
  open link's rate limit in the cache, stores the response; each from another address, since one
  address may send ten an hour);
- one submission of an internal unit (the same with a single-use code, locked and marked used).

Exits 1 when the form page or a submission misses 15 ms (median).
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import fresh_db  # bench/, the script's own folder

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 15.0


def setup_django(folder: Path) -> bool:
    return fresh_db.setup_django(folder, configure=_plain_http_and_static)


def _plain_http_and_static(settings):
    plain_static = "django.contrib.staticfiles.storage.StaticFilesStorage"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": plain_static}}
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False


def open_campaign(codes: int):
    """An open campaign over one OPD; its external and internal units and `codes` codes."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from actionplans.models import OPD
    from selfsurvey import collection, services
    from selfsurvey.models import Campaign, CampaignStatus

    inspector = get_user_model().objects.create_user("bench-inspector")
    inspector.groups.add(Group.objects.get(name="Inspektorat"))
    opd = OPD.objects.create(code="BENCH", name="Dinas Bench", short_name="Bench")
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=inspector,
        name="Bench",
        questionnaire=services.default_questionnaire(actor=inspector),
        period_start=today,
        period_end=today + datetime.timedelta(days=30),
        opds=[opd],
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.OPEN)
    external = campaign.units.get(group="external")
    internal = campaign.units.get(group="internal")
    issued = collection.codes_issue(actor=inspector, unit=internal, count=codes)
    return external, internal, issued


def last_page_post(unit, code=""):
    """The last page's form data with every question answered, as a browser would send it."""
    from selfsurvey import collection
    from selfsurvey.forms_collect import FormState

    survey = collection.survey_form(unit)
    state = FormState.begin(language="id", code=collection.normalize_code(code))
    state.page = len(survey.pages) - 1
    for item in survey.items[: -len(survey.pages[-1])]:
        state.answers[item.code] = item.scale_min
    data = {"state": state.dumps(unit.link_token), "go": "send", "comment": ""}
    data |= {f"q_{item.code}": item.scale_max for item in survey.pages[-1]}
    return data


def cpu_ms(request, repeat: int) -> list[float]:
    for _ in range(5):  # warm: templates, translations, the first connection
        request(-1)
    figures = []
    for number in range(repeat):
        start = time.process_time()
        request(number)
        figures.append((time.process_time() - start) * 1000)
    return figures


def expect(status):
    def check(response):
        if response.status_code != status:
            raise RuntimeError(f"expected {status}, got {response.status_code}")
        return response

    return check


def measure(repeat: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from selfsurvey.models import Response

    external, internal, codes = open_campaign(codes=repeat + 10)
    url = {
        unit.group: reverse("selfsurvey:respond", kwargs={"token": unit.link_token})
        for unit in (external, internal)
    }
    client = Client()
    ok, sent = expect(200), expect(302)
    external_post = last_page_post(external)
    spare = iter(codes)

    def by_address(number):
        return Client(REMOTE_ADDR=f"10.{(number + 5) // 250}.{(number + 5) % 250}.1")

    requests = {
        "healthz": lambda n: ok(client.get("/healthz")),
        "form page (intro GET)": lambda n: ok(client.get(url["external"])),
        "first page of questions (POST)": lambda n: ok(client.post(url["external"])),
        "submission, open link (POST)": lambda n: sent(
            by_address(n).post(url["external"], external_post)
        ),
        "submission with a code (POST)": lambda n: sent(
            client.post(url["internal"], last_page_post(internal, next(spare)))
        ),
    }
    figures = {name: cpu_ms(request, repeat) for name, request in requests.items()}
    stored = Response.objects.count()
    expected = 2 * (repeat + 5)
    if stored != expected:
        raise RuntimeError(f"{stored} responses stored, expected {expected}")
    return figures


def summary(figures: dict) -> list[dict]:
    baseline = statistics.median(figures["healthz"])
    rows = []
    for name, values in figures.items():
        median = statistics.median(values)
        rows.append(
            {
                "request": name,
                "median_ms": round(median, 3),
                "p90_ms": round(statistics.quantiles(values, n=10)[-1], 3),
                "ratio_to_healthz": round(median / baseline, 2),
                "repeat": len(values),
            }
        )
    return rows


def meets_target(rows) -> bool:
    checked = [row for row in rows if row["request"] != "healthz"]
    return all(row["median_ms"] <= TARGET_MS for row in checked)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        fresh_server_db = setup_django(Path(folder))
        try:
            rows = summary(measure(options.repeat))
        finally:
            if fresh_server_db:
                from django.db import connection

                connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    from django.db import connection

    met = meets_target(rows)
    if options.json:
        print(json.dumps({"database": connection.vendor, "rows": rows, "target_met": met}))
    else:
        print(f"respondent form, server CPU per request ({connection.vendor}, process_time)")
        print(f"{'request':34} {'median ms':>10} {'p90 ms':>8} {'x healthz':>10}")
        for row in rows:
            print(
                f"{row['request']:34} {row['median_ms']:>10.2f} {row['p90_ms']:>8.2f}"
                f" {row['ratio_to_healthz']:>10.2f}"
            )
        verdict = "met" if met else "MISSED"
        print(f"target: form page and one submission <= {TARGET_MS:g} ms: {verdict}")
        print(f"load average: {os.getloadavg()[0]:.2f}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
