"""Pages of the self-run survey: imports."""

urlpatterns = []
