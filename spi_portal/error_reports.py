"""What an error mail to ADMINS may show: Django's safe report with more kept back."""

import re

from django.views.debug import SafeExceptionReporterFilter


class ErrorReportFilter(SafeExceptionReporterFilter):
    """Django's filter also hides URLs and cache locations (DATABASE_URL and REDIS_URL carry
    passwords, in settings and, under some servers, in request.META), and any form field whose
    name says it is secret even where the view did not mark it sensitive."""

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION", flags=re.I
    )

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        secret = [name for name in parameters if self.hidden_settings.search(name)]
        if not self.is_active(request) or not secret:
            return parameters
        parameters = parameters.copy()
        for name in secret:
            parameters[name] = self.cleansed_substitute
        return parameters
