"""An actor's featured hashtags over ActivityPub, as Mastodon publishes them: the actor names a `featuredTags`
collection (`toot:featuredTags`), an unpaged Collection of `Hashtag` objects (at most `FEATURED_TAGS_LIMIT`)."""

from django.conf import settings

from caravan.accounts.models import Account
from caravan.federation import documents
from caravan.posts.featured import featured_tags


def collection_document(account: Account) -> dict:
    items = [
        {
            "type": "Hashtag",
            "href": f"{settings.BASE_URL}/tags/{featured.tag.name}",
            "name": f"#{featured.tag.display_name or featured.tag.name}",
        }
        for featured in featured_tags(account)
    ]
    return {
        "@context": [documents.AS_CONTEXT, {"Hashtag": "as:Hashtag"}],
        "id": documents.featured_tags_url(account),
        "type": "Collection",
        "totalItems": len(items),
        "items": items,
    }
