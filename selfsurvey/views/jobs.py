"""Pages of the self-run survey: jobs."""

urlpatterns = []
