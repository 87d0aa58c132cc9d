"""URLs of the federation face."""

urlpatterns: list = []
