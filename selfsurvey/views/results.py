"""Pages of the self-run survey: results."""

urlpatterns = []
