"""Reports that arrive from other servers (Flag activities), stored for the moderators.

Caravan has no moderation app yet; when one exists, `create_report` should call its service instead.
"""

from caravan.accounts.models import Account
from caravan.federation.models import RemoteReport


def create_report(
    reporter: Account, target: Account, *, post_ids: list[int], comment: str = "", uri: str = ""
) -> RemoteReport:
    if uri:
        existing = RemoteReport.objects.filter(uri=uri).first()
        if existing is not None:
            return existing
    return RemoteReport.objects.create(
        reporter=reporter, target_account=target, post_ids=post_ids[:100], comment=comment[:5000], uri=uri
    )
