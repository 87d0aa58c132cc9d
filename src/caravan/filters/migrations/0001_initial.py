# The filter models moved here from the client API app; their tables (api_filter, api_filterkeyword,
# api_filterstatus) and rows stay as they are: this migration only changes Django's state.

import django.db.models.deletion
from django.db import migrations, models

import caravan.ids


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("posts", "0001_initial"),
        ("api", "0002_delete_report"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Filter",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                default=caravan.ids.new_id, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("title", models.CharField(max_length=200)),
                        ("context", models.JSONField(default=list)),
                        ("filter_action", models.CharField(default="warn", max_length=10)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="accounts.account",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "api_filter",
                        "indexes": [models.Index(fields=["account", "id"], name="api_filter_account_1b99d7_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="FilterKeyword",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                default=caravan.ids.new_id, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("keyword", models.CharField(max_length=200)),
                        ("whole_word", models.BooleanField(default=True)),
                        (
                            "filter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="keywords",
                                to="filters.filter",
                            ),
                        ),
                    ],
                    options={"db_table": "api_filterkeyword"},
                ),
                migrations.CreateModel(
                    name="FilterStatus",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                default=caravan.ids.new_id, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        (
                            "filter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="statuses",
                                to="filters.filter",
                            ),
                        ),
                        (
                            "post",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="posts.post"
                            ),
                        ),
                    ],
                    options={
                        "db_table": "api_filterstatus",
                        "constraints": [
                            models.UniqueConstraint(
                                models.F("filter"), models.F("post"), name="filter_status_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
