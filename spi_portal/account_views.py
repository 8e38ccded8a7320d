"""A signed-in user's own account: signing in, preferences and the menu's language switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actionplans import services
from actionplans.forms import LanguageForm, PreferencesForm
from actionplans.models import UserPreference
from spi_portal import language


class SignInView(auth_views.LoginView):
    """Django's login, then the user's stored language for the rest of the session."""

    def form_valid(self, form):
        response = super().form_valid(form)
        chosen = language.stored_language(form.get_user())
        if chosen:
            language.apply_language(self.request, response, chosen)
        return response


@login_required
def preferences(request):
    """Any signed-in user's own settings: the interface language, e-mail notifications."""
    stored = UserPreference.objects.filter(user=request.user).first()
    initial = {
        "language": stored.language if stored else language.staff_language(request),
        "email_notifications": stored.email_notifications if stored else True,
    }
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        services.preferences_update(actor=request.user, **form.cleaned_data)
        response = redirect("preferences")
        language.apply_language(request, response, form.cleaned_data["language"])
        messages.success(request, _("Your preferences were saved."))
        return response
    return render(request, "actionplans/preferences.html", {"form": form})


@require_POST
def language_choose(request):
    """The menu's switch: a signed-in user's choice is stored with them, anyone's in the cookie."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return redirect("home")
    chosen = form.cleaned_data["language"]
    response = redirect(_safe_next(request, form.cleaned_data["next"]))
    if request.user.is_authenticated:
        services.preferences_update(actor=request.user, language=chosen)
    language.apply_language(request, response, chosen)
    return response


def _safe_next(request, next_url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if allowed and next_url else settings.LOGIN_REDIRECT_URL
