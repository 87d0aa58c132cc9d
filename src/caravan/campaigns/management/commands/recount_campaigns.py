"""`caravan manage recount_campaigns`: set every campaign's kept counts from its memberships (an operator's
repair after marks that reach accounts without an event, such as a domain policy's suspension)."""

from django.core.management.base import BaseCommand

from caravan.campaigns.models import Campaign
from caravan.campaigns.services import reconcile


class Command(BaseCommand):
    help = "Recount every campaign's members from the memberships themselves."

    def handle(self, *args, **options) -> None:
        for campaign in Campaign.objects.only("pk").iterator():
            reconcile(campaign)
            self.stdout.write(
                f"{campaign.pk}: {campaign.headline} verified, {campaign.unverified} unverified"
            )
