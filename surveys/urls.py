from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("<int:year>/", views.round_detail, name="round_detail"),
    path("bands.css", views.bands_css, name="bands_css"),
]
