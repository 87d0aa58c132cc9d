"""URLs of the api face."""

urlpatterns: list = []
