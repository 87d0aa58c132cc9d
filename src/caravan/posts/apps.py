"""Posts and what hangs off them: mentions, hashtags, boosts, favourites, bookmarks, polls, edits."""

from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "caravan.posts"
    label = "posts"
    default_auto_field = "django.db.models.BigAutoField"
