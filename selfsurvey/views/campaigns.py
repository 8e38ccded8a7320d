"""Pages of the self-run survey: campaigns."""

urlpatterns = []
