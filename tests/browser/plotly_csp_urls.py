"""The portal's URLs plus one page that draws a plotly chart through templates/_plotly.html."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from spi_portal.urls import urlpatterns as portal_urlpatterns

PAGE = """{% extends "base.html" %}{% load static %}
{% block content %}
<div class="chart" data-chart="bars-data" data-filename="bars"></div>
{{ figure|json_script:"bars-data" }}
{% endblock %}
{% block scripts %}{% include "_plotly.html" %}
<script src="{% static 'js/charts.js' %}" defer></script>{% endblock %}
"""
FIGURE = {
    "data": [{"type": "bar", "x": ["Internal", "External", "Expert"], "y": [66.93, 84.27, 56.79]}],
    "layout": {"title": {"text": "SPI 2024"}},
}


def chart_page(request):
    html = engines["django"].from_string(PAGE).render({"figure": FIGURE}, request)
    return HttpResponse(html)


urlpatterns = [path("plotly-csp-check/", chart_page), *portal_urlpatterns]
