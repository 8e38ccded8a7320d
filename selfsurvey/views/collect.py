"""Pages of the self-run survey: collect."""

urlpatterns = []
