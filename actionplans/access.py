"""Who may do what to which action-plan row: the one place it is decided.

One verb, `restrict(queryset, user, action)`, keeps the rows of a queryset the user may act on;
`allows(user, action, obj)` asks it about one row. Views fetch through it (a row outside the
result is a 404), templates get its answers from the views, and every write service asks it
again inside its transaction. Separation of duties (who may verify whom) is a rule here too.

Actions by model:
  ActionPlan      view, change, cancel, add_milestone, report, complete, submit, activate,
                  review
  Milestone       view
  ProgressReport  view, verify
  Evidence        view, download
  OPD             add_plan (the OPDs the user may create plans for)
  SurveyRound     add_recommendation, carry_over (copy plans of the round before into it)
  Recommendation  withdraw
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from actionplans.models import (
    OPD,
    ActionPlan,
    Evidence,
    Milestone,
    OPDMembership,
    PlanStatus,
    ProgressReport,
    Recommendation,
)
from surveys import public_cache
from surveys.models import SurveyRound

OPD_OF_SECONDS = 60 * 60  # the key holds the ACCESS generation: this only frees memory

# how each model reaches its plan, for the OPD scope
PLAN_PATH = {ActionPlan: "", Milestone: "plan", ProgressReport: "plan", Evidence: "report__plan"}

Rule = Callable[[QuerySet, object], QuerySet]
RULES: dict[tuple[type, str], Rule] = {}


def restrict(queryset: QuerySet, user, action: str) -> QuerySet:
    """The rows of `queryset` that `user` may `action`; none for anyone not logged in or inactive.
    An action no rule names is a programming error, never a silent yes."""
    rule = RULES.get((queryset.model, action))
    if rule is None:
        raise ValueError(f"No access rule for {action!r} on {queryset.model.__name__}.")
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return queryset.none()
    return rule(queryset, user)


def allows(user, action: str, obj) -> bool:
    """Whether `user` may `action` this one row."""
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    return restrict(rows, user, action).exists()


def with_rights(queryset: QuerySet, user, actions) -> QuerySet:
    """`queryset` annotated with `can_<action>` per action, by the same rules as `restrict`:
    the rights on a row read in the query that loads it, not one `exists()` each."""
    rights = {}
    for action in actions:
        allowed = restrict(queryset.model._default_manager.filter(pk=OuterRef("pk")), user, action)
        rights[f"can_{action}"] = Value(False) if allowed.query.is_empty() else Exists(allowed)
    return queryset.annotate(**rights)


def allows_some(user, action: str, model) -> bool:
    """Whether `user` may `action` any row of `model` (e.g. offer a "new plan" button)."""
    return restrict(model._default_manager.all(), user, action).exists()


def _rule(*keys: tuple[type, str]):
    def register(rule: Rule) -> Rule:
        for key in keys:
            RULES[key] = rule
        return rule

    return register


# --- who the user is ---------------------------------------------------------------------------


def opd_id_of(user) -> int | None:
    """The OPD a user belongs to: kept on the user object for the request, and in the cache
    under the ACCESS generation, which a membership's save or delete moves
    (spi_portal.permission_cache)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_opd_id_cache"):

        def membership():  # in a dict: a user without an OPD is cached too
            opd = OPDMembership.objects.filter(user=user).values_list("opd_id", flat=True)
            return {"opd": opd.first()}

        key = f"opd-of:{public_cache.access_generation(user)}:{user.pk}"
        user._opd_id_cache = cache.get_or_set(key, membership, OPD_OF_SECONDS)["opd"]
    return user._opd_id_cache


def sees_all_plans(user) -> bool:
    return user.is_authenticated and user.has_perm("actionplans.view_all_plans")


def plan_scope_key(user) -> str:
    """Which plans `user` sees, as a cache key part: every plan, or one OPD's (see opd_scope).
    Readers with the same key see the same plans, so they may share a cached section."""
    if sees_all_plans(user):
        return "all"
    return f"opd:{opd_id_of(user)}"


def has_inspectorate_say(user) -> bool:
    """Activates, approves and returns plans (on OPDs not the user's own), e.g. offers a new
    plan's "save and activate"."""
    return sees_all_plans(user) and user.has_perm("actionplans.change_actionplan")


def opd_scope(user, path: str) -> Q | None:
    """Q selecting rows whose plan (reached by `path`) is visible to the user: plans owned or
    supported by the user's OPD; a draft only to its responsible OPD, which completes it.
    None when the user sees everything."""
    if sees_all_plans(user):
        return None
    opd_id = opd_id_of(user)
    if opd_id is None:
        return Q(pk__in=[])
    prefix = f"{path}__" if path else ""
    support = ActionPlan.supporting_opds.through.objects.filter(
        opd_id=opd_id, actionplan_id=OuterRef(f"{prefix}pk")
    )
    supported_past_draft = Q(Exists(support)) & ~Q(**{f"{prefix}status": PlanStatus.DRAFT})
    return Q(**{f"{prefix}owner_opd_id": opd_id}) | supported_past_draft


# --- the rules ---------------------------------------------------------------------------------


@_rule(
    (ActionPlan, "view"),
    (Milestone, "view"),
    (ProgressReport, "view"),
    (Evidence, "view"),
    (Evidence, "download"),
)
def _in_scope(queryset, user):
    scope = opd_scope(user, PLAN_PATH[queryset.model])
    return queryset if scope is None else queryset.filter(scope)


@_rule((ActionPlan, "change"), (ActionPlan, "cancel"))
def _editable(plans, user):
    """A cancelled plan is final: nobody edits, cancels or extends it."""
    if not user.has_perm("actionplans.change_actionplan"):
        return plans.none()
    return _in_scope(plans, user).exclude(status=PlanStatus.CANCELLED)


@_rule((ActionPlan, "add_milestone"))
def _milestone_addable(plans, user):
    """The Inspectorate on any plan it may edit; an OPD on its own drafts, which it completes."""
    if not user.has_perm("actionplans.add_milestone"):
        return _completable(plans, user)
    return _editable(plans, user)


@_rule((ActionPlan, "complete"), (ActionPlan, "submit"))
def _completable(plans, user):
    """The responsible OPD completes its drafts (root cause, activity, target, milestones) and
    submits them for approval; once submitted, only the Inspectorate's answer moves it."""
    opd_id = opd_id_of(user)
    if opd_id is None or not user.has_perm("actionplans.report_progress"):
        return plans.none()
    return plans.filter(owner_opd_id=opd_id, status=PlanStatus.DRAFT)


def _inspectorate_not_own_plan(plans, user):
    """The Inspectorate's say on a plan, never on one its member's own OPD owns or supports."""
    if not has_inspectorate_say(user):
        return plans.none()
    opd_id = opd_id_of(user)
    if opd_id is None:
        return plans
    supported = ActionPlan.supporting_opds.through.objects.filter(
        opd_id=opd_id, actionplan_id=OuterRef("pk")
    )
    return plans.exclude(owner_opd_id=opd_id).exclude(Exists(supported))


@_rule((ActionPlan, "activate"))
def _activatable(plans, user):
    """The Inspectorate activates a draft itself (one it wrote, no OPD round trip needed)."""
    return _inspectorate_not_own_plan(plans, user).filter(status=PlanStatus.DRAFT)


@_rule((ActionPlan, "review"))
def _reviewable(plans, user):
    """Approve or return a submitted plan: separation of duties as for capaian, and whoever
    submitted it never approves it."""
    plans = _inspectorate_not_own_plan(plans, user).filter(status=PlanStatus.SUBMITTED)
    return plans.exclude(submitted_by=user)


@_rule((ActionPlan, "report"))
def _reportable(plans, user):
    """Only the responsible OPD reports, and only on an active plan."""
    opd_id = opd_id_of(user)
    if opd_id is None or not user.has_perm("actionplans.report_progress"):
        return plans.none()
    return plans.filter(owner_opd_id=opd_id, status=PlanStatus.ACTIVE)


@_rule((ProgressReport, "verify"))
def _verifiable(reports, user):
    if not user.has_perm("actionplans.verify_progressreport"):
        return reports.none()
    return _not_own_work(_in_scope(reports, user), user)


def _not_own_work(reports, user):
    """Separation of duties: nobody verifies their own report, nor any report of a plan their
    OPD owns or supports (the Inspectorate is an OPD too: an inspector may belong to one)."""
    reports = reports.exclude(reporter=user)
    opd_id = opd_id_of(user)
    if opd_id is None:
        return reports
    supported = ActionPlan.supporting_opds.through.objects.filter(
        opd_id=opd_id, actionplan_id=OuterRef("plan_id")
    )
    return reports.exclude(plan__owner_opd_id=opd_id).exclude(Exists(supported))


@_rule((OPD, "add_plan"))
def _plan_owners(opds, user):
    """The OPDs a user may create plans for: any with the Inspectorate's view, else their own."""
    if not user.has_perm("actionplans.add_actionplan"):
        return opds.none()
    return opds if sees_all_plans(user) else opds.filter(pk=opd_id_of(user))


@_rule((SurveyRound, "add_recommendation"))
def _recommendation_rounds(rounds, user):
    if not user.has_perm("actionplans.add_recommendation"):
        return rounds.none()
    return rounds


@_rule((SurveyRound, "carry_over"))
def _carry_over_rounds(rounds, user):
    """Copying last year's plans forward is the Inspectorate's: it creates plans for every OPD."""
    if not (user.has_perm("actionplans.add_actionplan") and sees_all_plans(user)):
        return rounds.none()
    return rounds.visible_to(user)


@_rule((Recommendation, "withdraw"))
def _withdrawable(recommendations, user):
    if not user.has_perm("actionplans.change_recommendation"):
        return recommendations.none()
    return recommendations  # a second withdrawal is refused by the service, with its reason
