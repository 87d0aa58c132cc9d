# Direct-conversation read state moved here from the client API app; its table (api_conversationstate) and
# rows stay as they are: this migration only changes Django's state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("timelines", "0001_initial"),
        ("api", "0002_delete_report"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ConversationState",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("thread_root_id", models.BigIntegerField()),
                        ("last_read_id", models.BigIntegerField(default=0)),
                        ("hidden_until_id", models.BigIntegerField(default=0)),
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
                        "db_table": "api_conversationstate",
                        "constraints": [
                            models.UniqueConstraint(
                                models.F("account"), models.F("thread_root_id"), name="conversation_state_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
