"""Appeals as a conversation: the person a moderation action is about answers it once, within `APPEAL_DAYS` of
the action; the person and the moderators then exchange messages; a moderator other than the one who acted
decides, with a reason written for the person. Approving lifts the action (`services.lift_action`). The
services check who may do what, so every face is held to it; the selectors answer who may read what.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from caravan import error_codes
from caravan.accounts.models import Account, User
from caravan.errors import DomainError
from caravan.moderation.models import APPEAL_DAYS, Appeal, AppealMessage, AppealState, ModerationAction
from caravan.moderation.services import check_moderator, lift_action
from caravan.notifications.services import notify_moderation_appeal

# APPEAL_DAYS, the appeal period, is defined beside the models: retention.py keeps a suspended account's data
# as long.
MAX_APPEAL_TEXT = 5000
DECISIONS = {"approve": AppealState.APPROVED, "reject": AppealState.REJECTED}


# Services --------------------------------------------------------------------------------------------------


def _checked_text(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(error_codes.APPEAL_TEXT_REQUIRED, field=field)
    if len(text) > MAX_APPEAL_TEXT:
        raise DomainError(error_codes.APPEAL_TEXT_TOO_LONG, field=field, limit=MAX_APPEAL_TEXT)
    return text


def appeal_deadline(action: ModerationAction):
    return action.created_at + timedelta(days=APPEAL_DAYS)


def check_appeal(user: User, action: ModerationAction, text: str) -> str:
    """Validate an appeal, writing nothing: the person's own standing action, within the period, not appealed
    yet. Returns the text to store."""
    if user.account_id is None or action.target_account_id != user.account_id:
        raise DomainError(error_codes.APPEAL_NOT_YOURS)
    if action.lifted_at is not None:
        raise DomainError(error_codes.MODERATION_ACTION_LIFTED)
    if timezone.now() > appeal_deadline(action):
        raise DomainError(error_codes.APPEAL_PERIOD_OVER, days=APPEAL_DAYS)
    if Appeal.objects.filter(action=action).exists():
        raise DomainError(error_codes.APPEAL_ALREADY_MADE)
    return _checked_text(text, "text")


def create_appeal(user: User, action: ModerationAction, text: str) -> Appeal:
    """The person appeals the action, once. Moderators find it in their list of open appeals."""
    text = check_appeal(user, action, text)
    try:
        with transaction.atomic():
            return Appeal.objects.create(action=action, account=user.account, text=text)
    except IntegrityError:  # the one-to-one row: another appeal of the same action arrived at the same time
        raise DomainError(error_codes.APPEAL_ALREADY_MADE) from None


def _speaker(user: User, appeal: Appeal) -> tuple[Account, bool]:
    """Who writes in the appeal, and whether as the person (else as a moderator)."""
    if user.account_id is not None and user.account_id == appeal.account_id:
        return user.account, True
    return check_moderator(user), False


def add_appeal_message(user: User, appeal: Appeal, text: str) -> AppealMessage:
    """A message in the appeal's conversation, from the person or a moderator; the person is told of a
    moderator's. The conversation closes with the decision."""
    author, by_person = _speaker(user, appeal)
    if appeal.state != AppealState.PENDING:
        raise DomainError(error_codes.APPEAL_CLOSED)
    text = _checked_text(text, "text")
    with transaction.atomic():
        message = AppealMessage.objects.create(appeal=appeal, author=author, by_person=by_person, text=text)
        if not by_person:
            notify_moderation_appeal(appeal.account, appeal.action_id)
    return message


def check_decision(user: User, appeal: Appeal, decision: str, reason: str) -> tuple[Account, str, str]:
    """Validate a decision, writing nothing: a moderator who did not take the action, a pending appeal, a known
    decision and a reason. Returns the moderator, the new state and the reason."""
    moderator = check_moderator(user)
    if appeal.action.moderator_id is not None and appeal.action.moderator_id == moderator.id:
        raise DomainError(error_codes.APPEAL_DECIDED_BY_ACTING_MODERATOR)
    if moderator.id == appeal.account_id:
        raise DomainError(error_codes.CANNOT_MODERATE_SELF)
    if appeal.state != AppealState.PENDING:
        raise DomainError(error_codes.APPEAL_CLOSED)
    state = DECISIONS.get(decision)
    if state is None:
        raise DomainError(error_codes.APPEAL_DECISION_UNKNOWN, field="decision")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(error_codes.MODERATION_REASON_REQUIRED, field="reason")
    if len(reason) > MAX_APPEAL_TEXT:
        raise DomainError(error_codes.APPEAL_TEXT_TOO_LONG, field="reason", limit=MAX_APPEAL_TEXT)
    return moderator, state, reason


def decide_appeal(user: User, appeal: Appeal, decision: str, reason: str) -> Appeal:
    """Approve ("approve": the action is lifted with this reason) or reject ("reject") the appeal; the person is
    told. Only a moderator other than the one who took the action may decide."""
    moderator, state, reason = check_decision(user, appeal, decision, reason)
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.state != AppealState.PENDING:
            raise DomainError(error_codes.APPEAL_CLOSED)
        appeal.state, appeal.decided_at, appeal.decided_by = state, timezone.now(), moderator
        appeal.decision_reason = reason
        appeal.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
        action = ModerationAction.objects.select_related("target_account").get(pk=appeal.action_id)
        if state == AppealState.APPROVED and action.lifted_at is None:
            lift_action(user, action, reason)
        appeal.action = action
        notify_moderation_appeal(appeal.account, appeal.action_id)
    return appeal


# Selectors -------------------------------------------------------------------------------------------------


def open_appeals(limit: int = 100) -> QuerySet[Appeal]:
    """Pending appeals, oldest first, with the action and the accounts the list names."""
    return (
        Appeal.objects.filter(state=AppealState.PENDING)
        .select_related("account", "action", "action__moderator")
        .order_by("id")[:limit]
    )


def appeal_of(action: ModerationAction) -> Appeal | None:
    return Appeal.objects.filter(action=action).select_related("decided_by").first()


def may_appeal(user: User, action: ModerationAction) -> bool:
    """Whether the notice should offer `user` the appeal form (the service checks again)."""
    try:
        check_appeal(user, action, "-")
    except DomainError:
        return False
    return True


@dataclass
class AppealFile:
    """All an appeal's page shows: the action, its rules, the appeal, the conversation."""

    appeal: Appeal
    action: ModerationAction
    rules: list
    messages: list[AppealMessage]


def appeal_file_for(user: User, action_id: int) -> AppealFile | None:
    """The appeal of action `action_id`, if there is one and `user` may read it: the person it is about, or a
    moderator. Nobody else learns that it exists."""
    appeal = (
        Appeal.objects.filter(action_id=action_id)
        .select_related("account", "decided_by", "action", "action__moderator", "action__target_account")
        .first()
    )
    if appeal is None:
        return None
    if not (user.may_moderate or (user.account_id is not None and appeal.account_id == user.account_id)):
        return None
    return AppealFile(
        appeal=appeal,
        action=appeal.action,
        rules=list(appeal.action.rules.all()),
        messages=list(appeal.messages.select_related("author")),
    )
