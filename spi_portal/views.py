from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from surveys.models import SurveyRound


@login_required
def home(request):
    latest = SurveyRound.objects.order_by("-year").first()
    if latest is None:
        return redirect("surveys:round_list")
    return redirect(latest.get_absolute_url())
