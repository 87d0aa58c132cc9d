"""Sending email: one message to one address, through Django's SMTP backend, only when the operator configured
an SMTP server (`CARAVAN_SMTP_HOST`). Apps send from their own durable tasks (so a rollback sends nothing and a
failure is retried by the worker) and render the text in the recipient's language first (decision 0030)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def configured() -> bool:
    """Whether this server sends email at all."""
    return bool(settings.EMAIL_HOST)


def send(to: str, subject: str, body: str) -> bool:
    """Send a plain-text message; False when email is not configured or there is no address. Raises on an SMTP
    failure, so the task that called it fails and its error is kept."""
    if not configured() or not to:
        return False
    subject = " ".join(subject.split())[:200]  # no header injection through line breaks
    connection = get_connection(SMTP_BACKEND)  # named, so a test runner's in-memory backend never stands in
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], connection=connection)
    message.send(fail_silently=False)
    return True
