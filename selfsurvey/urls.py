from .views import campaigns, collect, imports, jobs, results, review

app_name = "selfsurvey"

urlpatterns = [
    *campaigns.urlpatterns,
    *collect.urlpatterns,
    *results.urlpatterns,
    *review.urlpatterns,
    *jobs.urlpatterns,
    *imports.urlpatterns,
]
