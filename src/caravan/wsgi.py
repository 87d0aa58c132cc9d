"""WSGI entry point (for deployments that put the HTTP API behind a WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravan.settings")
application = get_wsgi_application()
