"""Pacts across servers (decision 0028). A pact lives on its owner's server; only counts cross servers.

- `Invite` (owner -> one remote member, to that member's own inbox): the pact counts them. Their server keeps a
  copy, tells them, and shows the pact page.
- `Join` / `Leave` (remote member -> owner): their commitment or withdrawal, signed by the member; accepted only
  from a member of that pact, while it is open.
- `Update` of the pact (owner -> the servers of its remote members): the counts and the state, with `updated`
  so late news never overwrites newer. Once met, the servers where someone committed also get
  `caravan:participants` (the owner and those who committed), whom their committed people follow; other servers
  get the counts only.

The pact object is `{"type": "caravan:Pact", "id", "attributedTo", "caravan:threshold", "caravan:members",
"caravan:committed", "caravan:state", "endTime", "updated"}`. Everything received is bounded and checked.
"""

from datetime import datetime

from django.conf import settings

from caravan import events
from caravan.accounts.models import Account
from caravan.errors import DomainError
from caravan.federation import actors, delivery
from caravan.federation.actors import as_list, is_local_uri, origin
from caravan.federation.documents import with_context
from caravan.federation.reading import InboxError, id_of, parse_time
from caravan.ids import id_from_text, new_id
from caravan.pacts import services
from caravan.pacts.models import MAX_MEMBERS, Pact, PactMember, PactState

PACT_TYPE = "caravan:Pact"


def pact_uri(pact: Pact) -> str:
    return pact.uri or f"{settings.BASE_URL}/pacts/{pact.id}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def pact_document(pact: Pact) -> dict:
    """The pact as other servers read it: its counts and state, never anyone's choice."""
    return {
        "id": pact_uri(pact),
        "type": PACT_TYPE,
        "attributedTo": pact.owner.uri,
        "caravan:threshold": pact.threshold,
        "caravan:members": pact.members_count,
        "caravan:committed": pact.committed_count,
        "caravan:state": pact.state,
        "endTime": _iso(pact.deadline),
        "updated": _iso(pact.reported_at),
    }


def invite_activity(pact: Pact, member: Account) -> dict:
    return with_context(
        {
            "id": f"{pact_uri(pact)}#invites/{member.id}",
            "type": "Invite",
            "actor": pact.owner.uri,
            "to": [member.uri],
            "object": pact_document(pact),
            "target": member.uri,
        }
    )


def update_activity(pact: Pact, participants: list[str] | None = None) -> dict:
    document = pact_document(pact)
    if participants is not None:
        document["caravan:participants"] = participants
    return with_context(
        {
            "id": f"{pact_uri(pact)}#updates/{new_id()}",
            "type": "Update",
            "actor": pact.owner.uri,
            "to": [],
            "object": document,
        }
    )


def choice_activity(pact: Pact, member: Account, committed: bool) -> dict:
    return with_context(
        {
            "id": f"{member.uri}#pacts/{new_id()}",
            "type": "Join" if committed else "Leave",
            "actor": member.uri,
            "to": [pact.owner.uri],
            "object": pact.uri,
        }
    )


# Listeners (a pact of this server told to others, our member's choice sent to another server) -----------------


def on_pact_invited(pact: Pact, members: list[Account], **_) -> None:
    for member in members:
        delivery.record(
            pact.owner, invite_activity(pact, member), {member.inbox_url or member.shared_inbox_url}
        )


def on_pact_changed(pact: Pact, **_) -> None:
    remote = (
        PactMember.objects.filter(pact=pact, named_only=False)
        .exclude(account__domain="")
        .values_list("account__shared_inbox_url", "account__inbox_url", "committed")
    )
    inboxes: dict[str, bool] = {}
    for shared, personal, committed in remote:
        inbox = shared or personal
        if inbox:
            inboxes[inbox] = inboxes.get(inbox, False) or committed
    if not inboxes:
        return
    if pact.state == PactState.MET:
        told = {inbox for inbox, someone_committed in inboxes.items() if someone_committed}
        named = [account.uri for account in services.participants(pact)]
        delivery.record(pact.owner, update_activity(pact, named), told)
        delivery.record(pact.owner, update_activity(pact), set(inboxes) - told)
    else:
        delivery.record(pact.owner, update_activity(pact), set(inboxes))


def on_pact_commitment(pact: Pact, member: PactMember, **_) -> None:
    owner = pact.owner
    delivery.record(
        member.account, choice_activity(pact, member.account, member.committed), {owner.inbox_url}
    )


def connect() -> None:
    events.listen("pact.invited", on_pact_invited)
    events.listen("pact.changed", on_pact_changed)
    events.listen("pact.commitment", on_pact_commitment)


# Handlers of what arrives ---------------------------------------------------------------------------------------


def _whole(value, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InboxError(f"{name} must be a whole number from {low} to {high}", 422)
    return value


def _described(obj: dict, signer: Account) -> services.RemotePact:
    """The pact as the signer's server describes it, every field checked: its id on the signer's server, the
    signer its owner, the counts bounded and consistent."""
    uri = id_of(obj)
    if not isinstance(uri, str) or not uri or len(uri) > 2000 or origin(uri) != origin(signer.uri):
        raise InboxError("the pact's id is not on the owner's server", 403)
    if id_of(obj.get("attributedTo")) != signer.uri:
        raise InboxError("only a pact's owner speaks for it", 403)
    members = _whole(obj.get("caravan:members"), 1, MAX_MEMBERS, "caravan:members")
    threshold = _whole(obj.get("caravan:threshold"), 1, members, "caravan:threshold")
    committed = _whole(obj.get("caravan:committed"), 0, members, "caravan:committed")
    state = obj.get("caravan:state")
    if state not in PactState.values:
        raise InboxError("unknown pact state", 422)
    reported = parse_time(obj.get("updated"))
    if reported is None:
        raise InboxError("a pact needs its updated time", 422)
    return services.RemotePact(
        uri=uri,
        owner=signer,
        threshold=threshold,
        deadline=parse_time(obj.get("endTime")),
        members_count=members,
        committed_count=committed,
        state=state,
        reported_at=reported,
    )


def is_pact(obj) -> bool:
    return isinstance(obj, dict) and actors.type_of(obj) == PACT_TYPE


def handle_invite(activity: dict, signer: Account) -> str:
    obj = activity.get("object")
    if not is_pact(obj):
        return "ignored"
    described = _described(obj, signer)
    target = id_of(activity.get("target"))
    member = Account.objects.filter(uri=target, domain="").first() if is_local_uri(target) else None
    if member is None:
        raise InboxError("the invited account is not on this server", 404)
    try:
        pact = services.record_invitation(described, member)
    except DomainError as error:
        raise InboxError(error.english, error.status) from None
    return "pact invitation" if pact else "ignored"


def handle_update(activity: dict, signer: Account) -> str:
    """An Update whose object is a pact (applying.handle_update hands it here)."""
    obj = activity["object"]
    described = _described(obj, signer)
    named: list[Account] = []
    if described.state == PactState.MET:
        uris = as_list(obj.get("caravan:participants"))
        if len(uris) > MAX_MEMBERS + 1:
            raise InboxError("too many participants", 422)
        if Pact.objects.filter(uri=described.uri, owner=signer).exists():  # fetch no one for a pact we lack
            named = [
                a for a in (actors.resolve_actor(u) for u in uris if isinstance(u, str)) if a is not None
            ]
    pact = services.record_news(described, named)
    return "pact updated" if pact else "ignored"


def _local_pact(value) -> Pact | None:
    uri = id_of(value)
    prefix = f"{settings.BASE_URL}/pacts/"
    if not uri.startswith(prefix):
        return None
    return Pact.objects.select_related("owner").filter(pk=id_from_text(uri[len(prefix) :]), uri="").first()


def handle_choice(activity: dict, signer: Account) -> str:
    """A remote member's Join (commit) or Leave (withdraw) of a pact of this server, signed by that member."""
    pact = _local_pact(activity.get("object"))
    if pact is None:
        return "ignored"
    committed = activity.get("type") == "Join"
    if pact.state != PactState.OPEN and PactMember.objects.filter(pact=pact, account=signer).exists():
        return "pact closed"  # met or ended before this arrived: the member's server hears it from the Update
    try:
        services.accept_remote_choice(signer, pact, committed)
    except DomainError as error:
        raise InboxError(error.english, error.status) from None
    return "pact commitment" if committed else "pact withdrawal"
