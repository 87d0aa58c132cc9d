"""Driver commands for link previews: the card a post shows through the client API, by the post's address."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def status_card(args: dict) -> dict | None:
    """The `card` of the status with this address as the client API shows it to nobody signed in; None when
    the post has no card (yet) or is not stored here."""
    from caravan.api import entities
    from caravan.posts.models import Post
    from caravan.posts.selectors import load_posts

    post = Post.objects.filter(uri=args["uri"]).first()
    if post is None:
        return None
    return entities.status(load_posts([post.id])[0], None)["card"]


OPS = {"status_card": status_card}
