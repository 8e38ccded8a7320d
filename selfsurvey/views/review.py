"""Pages of the self-run survey: review."""

urlpatterns = []
