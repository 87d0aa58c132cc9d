import django.db.models.deletion
from django.db import migrations, models

import caravan.ids


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_account_deleted_and_remote_suspension"),
        ("posts", "0004_scheduled_post"),
    ]

    operations = [
        migrations.CreateModel(
            name="FeaturedTag",
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
                        related_name="featured_tags",
                        to="accounts.account",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="posts.tag"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(models.F("account"), models.F("tag"), name="featured_tag_unique")],
            },
        ),
    ]
