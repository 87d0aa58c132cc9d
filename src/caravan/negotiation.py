"""Which representation a request asks for: the web pages and the ActivityPub face answer the same address
(a profile, a post) with HTML or with ActivityPub JSON, and decide it with this one rule."""


def wants_activity_json(accept: str) -> bool:
    """True for an Accept header that names `application/activity+json` or `application/ld+json` (with any
    profile, as Mastodon answers). The web pages and the ActivityPub views used to differ here, so a fetch
    with another profile was sent from one to the other and back."""
    accept = (accept or "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept
