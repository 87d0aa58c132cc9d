"""URLs of the HTML pages."""

from django.urls import path

from caravan.web import views

urlpatterns = [
    path("", views.index, name="index"),
]
