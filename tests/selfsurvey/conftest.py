import pytest

from tests.selfsurvey.world import answered_campaign


@pytest.fixture
def campaign(methodology, inspector, opd_a, opd_b):
    """A 2026 campaign over OPDs A and B, matching the 2024 round, 12 responses per unit, scored."""
    return answered_campaign(inspector, [opd_a, opd_b], methodology[2024])
