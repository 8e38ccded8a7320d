from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("compare/", views.compare, name="compare"),
    path("new/", views.round_create, name="round_create"),
    path("<int:year>/", views.round_detail, name="round_detail"),
    path("<int:year>/what-if/", views.what_if, name="what_if"),
    path("<int:year>/methodology/", views.round_methodology, name="round_methodology"),
    path("<int:year>/publish/", views.round_publish, name="round_publish"),
    path("<int:year>/unpublish/", views.round_unpublish, name="round_unpublish"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("bands.css", views.bands_css, name="bands_css"),
]
