"""Public addresses: the integrity page, the open data and its JSON API. Stable: do not rename."""

from django.urls import path

from spi_portal import national_views, public_views

urlpatterns = [
    path("", public_views.public_page, name="public_page"),
    path("<int:year>/", public_views.public_page, name="public_round"),
    path("<int:year>/plans/<int:pk>/", public_views.public_plan, name="public_plan"),
    path("favicon.ico", public_views.favicon, name="favicon"),
    path("data/", public_views.data_index, name="open_data"),
    path("data/<int:year>/results.csv", public_views.results_csv, name="open_data_results"),
    path(
        "data/<int:year>/indicators.csv",
        public_views.indicators_csv,
        name="open_data_indicators",
    ),
    path("data/<int:year>/plans.csv", public_views.plans_csv, name="open_data_plans"),
    path(
        "data/<int:year>/methodology.json",
        public_views.methodology_json,
        name="open_data_methodology",
    ),
    path("national/", national_views.explorer, name="national"),
    path("national/compare/", national_views.compare, name="national_compare"),
    path("national/province/", national_views.province, name="national_province"),
    path("national/<int:pk>/", national_views.institution, name="national_institution"),
    path("api/v1/rounds/", public_views.api_rounds, name="api_rounds"),
    path("api/v1/rounds/<int:year>/", public_views.api_round, name="api_round"),
]
