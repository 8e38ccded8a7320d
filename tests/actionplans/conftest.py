"""Fixtures of the action-plan tests: a plan, its report and evidence (tests/factories.py)."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from actionplans.models import ActionPlan
from tests.factories import make_plan, submit


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _in_english(settings):
    """Messages are asserted in English, the source language of the catalogue."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def round_2024(methodology):
    return methodology[2024]


@pytest.fixture
def plan_a(round_2024, opd_a) -> ActionPlan:
    return make_plan(round_2024, opd_a)


@pytest.fixture
def report_a(plan_a, head_a):
    return submit(plan_a, head_a)


@pytest.fixture
def evidence_a(report_a):
    return report_a.evidence.get()


@pytest.fixture
def today():
    return date.today()


@pytest.fixture
def soon(today):
    return today + timedelta(days=7)
