"""Account.deleted_at: an account deleted for good stays a suspended tombstone, and lifting a suspension must
not show it again. Local accounts already deleted (suspended, their User gone) get it now.
Account.remote_suspended_at: when a remote account's own server said it suspended it.

Numbered 0007: accounts 0006 is being written on another branch at the same time; when both are merged this
one's dependency becomes that 0006."""

from django.db import migrations, models
from django.db.models import F


def mark_deleted_local_accounts(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    User = apps.get_model("accounts", "User")
    Account.objects.filter(domain="", suspended_at__isnull=False).exclude(
        pk__in=User.objects.filter(account__isnull=False).values("account_id")
    ).update(deleted_at=F("suspended_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_sign_up_holds"),
    ]

    operations = [
        migrations.AddField(
            model_name="account",
            name="deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="account",
            name="remote_suspended_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(mark_deleted_local_accounts, migrations.RunPython.noop),
    ]
