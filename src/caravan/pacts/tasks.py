"""Pacts' background work: ending pacts whose deadline passed, following everyone for those who chose it in
advance, and the email telling someone a pact was met or ended."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from caravan import mail
from caravan.accounts.models import Account
from caravan.pacts import services
from caravan.pacts.models import Pact, PactState
from caravan.worker import wake


@task()
def end_expired_pacts() -> int:
    """The sweep woken at each pact's deadline; a long backlog is taken up by the next run, at once."""
    ended = services.end_expired()
    if ended >= 200:
        wake(end_expired_pacts)
    return ended


@task()
def follow_everyone_chosen(pact_id: int) -> None:
    pact = Pact.objects.select_related("owner").filter(pk=pact_id).first()
    if pact is not None:
        services.follow_everyone_chosen(pact)


@task()
def email_pact_news(pact_id: int, account_id: int, detail: str) -> bool:
    """Tell one local person by email that a pact they are in was met or ended, in their language."""
    pact = Pact.objects.select_related("owner").filter(pk=pact_id).first()
    account = Account.objects.select_related("user").filter(pk=account_id, domain="").first()
    if pact is None or account is None or getattr(account, "user", None) is None or not mail.configured():
        return False
    user = account.user
    with translation.override(user.interface_language or "en"):
        subject, body = pact_news_text(pact, account, detail)
    return mail.send(user.email, subject, body)


def pact_news_text(pact: Pact, account: Account, detail: str) -> tuple[str, str]:
    """The subject and body of the email, in the active language. Names only the owner and the counts."""
    link = f"{settings.BASE_URL}/pacts/{pact.id}"
    counts = {"committed": pact.committed_count, "threshold": pact.threshold, "members": pact.members_count}
    if detail == PactState.MET:
        subject = _("A pact you are in was met")
        lead = (
            _("%(committed)s of %(threshold)s people committed: the pact is met. Follow each other here:")
            % counts
        )
    else:
        subject = _("A pact you are in has ended")
        lead = _("The deadline passed with %(committed)s of %(threshold)s commitments. See it here:") % counts
    owner = pact.owner.acct if pact.owner_id != account.id else _("you")
    body = "\n\n".join([_("Pact made by %(owner)s.") % {"owner": owner}, lead, link, ""])
    return subject, body
