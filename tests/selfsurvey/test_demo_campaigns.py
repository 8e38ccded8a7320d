import pytest

from actionplans.models import OPD
from selfsurvey.demo import CAMPAIGNS, IDENTICAL_BLOCK, STRAIGHT_LINERS, demo_campaigns
from selfsurvey.models import Campaign, CampaignScore, CampaignStatus, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_opds(db):
    for code in ("BKPSDM", "DPMPTSP", "DINKES"):
        OPD.objects.create(code=code, name=f"Dinas {code}")


def test_the_demo_campaigns_are_scored_and_hold_what_the_review_list_is_for(
    methodology, inspector, demo_opds
):
    campaigns = demo_campaigns(actor=inspector)
    assert [c.name for c in campaigns] == [name for name, *_ in CAMPAIGNS]
    assert [c.status for c in campaigns][-1] == CampaignStatus.OPEN
    for campaign in campaigns:
        assert campaign.scores_computed_at is not None
        assert campaign.round.year == 2024
        responses = Response.objects.filter(campaign=campaign)
        assert responses.filter(flag_identical_vector=True).count() == IDENTICAL_BLOCK[2]
        # the identical block gives every 1-4 item its top answer: straight-lined too
        straight = STRAIGHT_LINERS[2] + IDENTICAL_BLOCK[2]
        assert responses.filter(flag_straight_lining=True).count() == straight
        assert CampaignScore.objects.filter(campaign=campaign, suppressed=False).exists()


def test_loading_the_demo_campaigns_twice_adds_nothing(methodology, inspector, demo_opds):
    demo_campaigns(actor=inspector)
    counts = (Campaign.objects.count(), Response.objects.count(), CampaignScore.objects.count())
    demo_campaigns(actor=inspector)
    after = (Campaign.objects.count(), Response.objects.count(), CampaignScore.objects.count())
    assert after == counts
