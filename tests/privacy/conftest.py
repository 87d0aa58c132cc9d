"""Privacy tests sign ActivityPub fetches as remote accounts whose keys they made (the federation fixtures)
and read through a real `caravan serve` with Mastodon.py (the API fixtures)."""

from tests.api.conftest import app_credentials, server, signup  # noqa: F401 - fixtures, found by name
from tests.federation.conftest import keys, make_remote  # noqa: F401 - fixtures, found by name
