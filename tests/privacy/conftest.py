"""Privacy tests sign ActivityPub fetches as remote accounts whose keys they made: the federation fixtures."""

from tests.federation.conftest import keys, make_remote  # noqa: F401 - fixtures, found by name
