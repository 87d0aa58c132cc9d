import django.db.models.deletion
from django.db import migrations, models

import caravan.ids


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_account_deleted_and_remote_suspension"),
        ("social", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Endorsement",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        default=caravan.ids.new_id, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="endorsements",
                        to="accounts.account",
                    ),
                ),
                (
                    "target_account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="endorsed_by_set",
                        to="accounts.account",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        models.F("account"), models.F("target_account"), name="endorsement_unique"
                    )
                ],
            },
        ),
    ]
