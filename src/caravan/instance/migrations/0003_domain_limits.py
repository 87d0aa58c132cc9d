"""DomainPolicy.limited_since: the stamp a domain limit writes into its accounts' `limited_at`. Policies that
already limit get one now, and their accounts are limited with it (before this, a domain limit was recorded
but not applied to accounts)."""

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone


def limit_accounts_of_limited_domains(apps, schema_editor):
    DomainPolicy = apps.get_model("instance", "DomainPolicy")
    Account = apps.get_model("accounts", "Account")
    for policy in DomainPolicy.objects.filter(limit=True, limited_since__isnull=True):
        policy.limited_since = timezone.now()
        policy.save(update_fields=["limited_since"])
        domain = policy.domain
        # The same rows as instance.domains.domain_filter: the domain, its subdomains, with or without a port.
        covered = (
            Q(domain=domain)
            | Q(domain__endswith="." + domain)
            | Q(domain__startswith=domain + ":")
            | Q(domain__contains="." + domain + ":")
        )
        Account.objects.exclude(domain="").filter(covered, limited_at__isnull=True).update(
            limited_at=policy.limited_since
        )


class Migration(migrations.Migration):
    dependencies = [
        ("instance", "0002_domain_policies"),
        ("accounts", "0004_roles_and_moderation_marks"),
    ]

    operations = [
        migrations.AddField(
            model_name="domainpolicy",
            name="limited_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(limit_accounts_of_limited_domains, migrations.RunPython.noop),
    ]
