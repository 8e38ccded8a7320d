"""A new round copies the latest methodology, parents before children on every database."""

from surveys import services
from surveys.models import Dimension


def _dimension(survey_round, code, parent=None):
    return Dimension.objects.create(
        round=survey_round, code=code, name_id=code, name_en=code, parent=parent
    )


def _parent_codes(survey_round) -> dict[str, str | None]:
    return {
        d.code: d.parent.code if d.parent else None
        for d in survey_round.dimensions.select_related("parent")
    }


def assert_copied_with_parents(previous, copy):
    assert _parent_codes(copy) == _parent_codes(previous)
    for child in copy.dimensions.filter(parent__isnull=False).select_related("parent"):
        assert child.parent.round == copy  # the copy of its parent, not the original


def test_copied_indicators_keep_their_parent(methodology, inspector):
    # PostgreSQL sorts NULL parent_id last: ordering the copy by parent_id made the
    # indicators come before their dimensions there, so they lost their parent.
    latest = methodology[2025]
    trn = latest.dimensions.get(code="TRN")
    for code in ("TRN.1", "TRN.2"):
        _dimension(latest, code, parent=trn)
    copy = services.round_create_from_previous(year=2026, actor=inspector)
    assert copy.dimensions.get(code="TRN.1").parent == copy.dimensions.get(code="TRN")
    assert_copied_with_parents(latest, copy)


def test_a_parent_created_after_its_children_is_still_copied_first(methodology, inspector):
    latest = methodology[2025]
    grandchild = _dimension(latest, "Z.1.a")
    child = _dimension(latest, "Z.1")
    root = _dimension(latest, "Z")
    Dimension.objects.filter(pk=grandchild.pk).update(parent=child)
    Dimension.objects.filter(pk=child.pk).update(parent=root)
    copy = services.round_create_from_previous(year=2026, actor=inspector)
    assert copy.dimensions.get(code="Z.1.a").parent.code == "Z.1"
    assert copy.dimensions.get(code="Z.1").parent.code == "Z"
    assert_copied_with_parents(latest, copy)
