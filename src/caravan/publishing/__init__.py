"""Publishing: the one pipeline by which posts are written (`drafts` checks and renders by origin, `store`
writes any batch), and the other changes people make to posts (editing, boosts, favourites, polls, imports,
erasure). Faces, importers and the inbox call the functions named here.
"""

from caravan.publishing.drafts import (
    HARD_MAX_CHARS,
    REMOTE_MAX_POLL_OPTIONS,
    Draft,
    ExternalProfile,
    ImportedPost,
    Origin,
    PollSpec,
    RemoteContent,
    clean_emojis,
    resolve_mention,
)
from caravan.publishing.erasure import remove_all_posts_and_interactions
from caravan.publishing.imports import import_posts_quietly, link_imported_replies
from caravan.publishing.interactions import (
    MAX_PINS,
    bookmark,
    favourite,
    mute_thread,
    pin,
    reblog,
    unbookmark,
    unfavourite,
    unmute_thread,
    unpin,
    unreblog,
)
from caravan.publishing.polls import close_poll_and_notify, set_poll_results, vote
from caravan.publishing.posting import create_post, delete_post, edit_post
from caravan.publishing.store import store_posts

__all__ = [
    "HARD_MAX_CHARS",
    "MAX_PINS",
    "REMOTE_MAX_POLL_OPTIONS",
    "Draft",
    "ExternalProfile",
    "ImportedPost",
    "Origin",
    "PollSpec",
    "RemoteContent",
    "bookmark",
    "clean_emojis",
    "close_poll_and_notify",
    "create_post",
    "delete_post",
    "edit_post",
    "favourite",
    "import_posts_quietly",
    "link_imported_replies",
    "mute_thread",
    "pin",
    "reblog",
    "remove_all_posts_and_interactions",
    "resolve_mention",
    "set_poll_results",
    "store_posts",
    "unbookmark",
    "unfavourite",
    "unmute_thread",
    "unpin",
    "unreblog",
    "vote",
]
