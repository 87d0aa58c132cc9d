"""HTML pages: parse the form, call the domain service, render the result."""

from django.http import HttpResponse


def index(request):
    return HttpResponse("Caravan")
