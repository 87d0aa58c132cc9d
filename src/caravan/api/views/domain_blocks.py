"""Domain policies in Mastodon's shapes: the public list (`/api/v1/instance/domain_blocks`, the DomainBlock
entity) and the admin CRUD (`/api/v1/admin/domain_blocks`, Admin::DomainBlock), for staff tokens with the
`admin:read:domain_blocks` / `admin:write:domain_blocks` scopes (or their parents). The entities live here
with the only views that render them."""

import hashlib

from django.http import HttpRequest

from caravan.api.entities import iso
from caravan.api.http import api, paginated, params, parse_id
from caravan.api.params import Params
from caravan.instance.domains import public_policies
from caravan.instance.models import DomainPolicy
from caravan.moderation import domains
from caravan.moderation.services import check_moderator
from caravan.pagination import Page, paginate

SEVERITIES = ("silence", "suspend", "noop")


def domain_block(policy: DomainPolicy) -> dict:
    """Mastodon's DomainBlock: what the server publishes about a domain it limits or suspends."""
    return {
        "domain": policy.domain,
        "digest": hashlib.sha256(policy.domain.encode()).hexdigest(),
        "severity": domains.severity_of(policy),
        "comment": policy.reason or None,
    }


def admin_domain_block(policy: DomainPolicy) -> dict:
    return {
        "id": str(policy.id),
        "domain": policy.domain,
        "digest": hashlib.sha256(policy.domain.encode()).hexdigest(),
        "created_at": iso(policy.created_at),
        "severity": domains.severity_of(policy),
        "reject_media": policy.reject_media,
        "reject_reports": policy.reject_reports,
        "private_comment": policy.note or None,
        "public_comment": policy.reason or None,
        "obfuscate": False,
    }


@api(auth="none")
def public_list(request: HttpRequest):
    # As Mastodon: policies with a limitation people can see (reject_reports alone concerns only moderators).
    return [domain_block(p) for p in public_policies() if p.suspend or p.limit or p.reject_media]


@api(scope="admin:read:domain_blocks")
def admin_list(request: HttpRequest):
    check_moderator(request.api_user)
    rows = paginate(
        DomainPolicy.objects.all(), Page.from_params(params(request), default_limit=100, max_limit=200)
    )
    return paginated(request, [admin_domain_block(p) for p in rows], [p.id for p in rows])


@api(scope="admin:read:domain_blocks")
def admin_get(request: HttpRequest, object_id: str):
    check_moderator(request.api_user)
    return admin_domain_block(domains.domain_policy(parse_id(object_id)))


def _flags(values: Params, current: DomainPolicy | None) -> dict:
    severity = values.str("severity") or (domains.severity_of(current) if current else "silence")
    if severity not in SEVERITIES:
        severity = "silence"
    keep = current or DomainPolicy()
    note = values.str("private_comment")
    reason = values.str("public_comment")
    return {
        "suspend": severity == "suspend",
        "limit": severity == "silence",
        "reject_media": values.bool("reject_media", keep.reject_media),
        "reject_reports": values.bool("reject_reports", keep.reject_reports),
        "reason": keep.reason if reason is None else reason,
        "note": keep.note if note is None else note,
    }


@api(scope="admin:write:domain_blocks")
def admin_create(request: HttpRequest):
    check_moderator(request.api_user)
    values = params(request)
    policy = domains.set_domain_policy(
        request.api_user, values.str("domain", ""), create_only=True, **_flags(values, None)
    )
    return admin_domain_block(policy)


@api(scope="admin:write:domain_blocks")
def admin_update(request: HttpRequest, object_id: str):
    check_moderator(request.api_user)
    current = domains.domain_policy(parse_id(object_id))
    policy = domains.set_domain_policy(request.api_user, current.domain, **_flags(params(request), current))
    return admin_domain_block(policy)


@api(scope="admin:write:domain_blocks")
def admin_delete(request: HttpRequest, object_id: str):
    check_moderator(request.api_user)
    current = domains.domain_policy(parse_id(object_id))
    domains.remove_domain_policy(request.api_user, current.domain)
    return {}
