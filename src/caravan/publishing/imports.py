"""Moving in: the one path by which archives bring in quiet, backdated copies of a person's own posts."""

from django.db import transaction

from caravan.accounts.models import Account
from caravan.posts.models import Post
from caravan.publishing import drafts
from caravan.publishing.drafts import ImportedPost, MentionResolver
from caravan.publishing.store import store_posts


def import_posts_quietly(
    author: Account, specs: list[ImportedPost], *, mention_resolver: MentionResolver | None = None
) -> list[Post]:
    """Store quiet, backdated copies of `author`'s posts in one transaction (`drafts.imported` for each, then
    `store.store_posts`): no feeds, no notifications, nothing federated. Raises DomainError when a post is not
    storable; nothing of the batch is then stored.
    """
    wanted = {spec.in_reply_to_id for spec in specs if spec.in_reply_to_id}
    in_batch = {spec.id: spec for spec in specs if spec.id}
    # The thread root of each post a reply here may answer: a stored one's own root (a live post's thread may
    # begin above it), one of this batch's that of the chain it answers.
    stored = dict(
        Post.objects.filter(account=author, pk__in=wanted - set(in_batch)).values_list("pk", "thread_root_id")
    )

    def root_of(post_id: int) -> int:
        seen = set()
        while post_id in in_batch and post_id not in seen:
            seen.add(post_id)
            spec = in_batch[post_id]
            if spec.thread_root_id:
                return spec.thread_root_id
            if spec.in_reply_to_id not in in_batch and spec.in_reply_to_id not in stored:
                return post_id
            post_id = spec.in_reply_to_id
        return stored.get(post_id) or post_id

    parents = {post_id: root_of(post_id) for post_id in [*in_batch, *stored]}
    batch = [drafts.imported(author, spec, parents=parents, resolver=mention_resolver) for spec in specs]
    return store_posts(batch)


def link_imported_replies(author: Account, links: dict[int, int]) -> int:
    """Join imported replies to their parents once both are stored: {child post id: parent post id}.

    Both must be `author`'s posts. The thread root is found by walking up the chain. Queries go in chunks, so
    an archive of a million replies stays within the databases' limits. Returns how many posts changed.
    """
    if not links:
        return 0

    def root_of(post_id: int) -> int:
        seen = set()
        while post_id in links and post_id not in seen:
            seen.add(post_id)
            post_id = links[post_id]
        return post_id

    children = list(links)
    changed_total = 0
    fields = ["in_reply_to", "in_reply_to_account", "thread_root_id"]
    for start in range(0, len(children), 5000):
        chunk = children[start : start + 5000]
        parents = {links[child] for child in chunk}
        stored_parents = set(Post.objects.filter(account=author, pk__in=parents).values_list("pk", flat=True))
        pending = Post.objects.filter(account=author, pk__in=chunk).only(
            "id", "in_reply_to_id", "thread_root_id"
        )
        # The top of each chain may itself answer a live thread: the chain joins that thread's root.
        tops = {root_of(child) for child in chunk}
        top_roots = dict(Post.objects.filter(account=author, pk__in=tops).values_list("pk", "thread_root_id"))
        changed = []
        for post in pending:
            parent = links[post.id]
            if parent not in stored_parents or parent == post.id:
                continue
            top = root_of(post.id)
            root = top_roots.get(top) or top
            if post.in_reply_to_id != parent or post.thread_root_id != root:
                post.in_reply_to_id, post.thread_root_id = parent, root
                post.in_reply_to_account_id = author.id
                changed.append(post)
        with transaction.atomic():
            Post.objects.bulk_update(changed, fields, batch_size=500)
            for parent_id in {post.in_reply_to_id for post in changed}:
                count = Post.objects.filter(in_reply_to_id=parent_id).count()
                Post.objects.filter(pk=parent_id).update(replies_count=count)
        changed_total += len(changed)
    return changed_total
