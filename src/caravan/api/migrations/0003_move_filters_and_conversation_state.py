# Filters moved to the filters app and direct-conversation read state to timelines; the tables stay (the
# new models name them), so the client API only forgets the models in Django's state.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_delete_report"),
        ("filters", "0001_initial"),
        ("timelines", "0002_conversationstate"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="FilterStatus"),
                migrations.DeleteModel(name="FilterKeyword"),
                migrations.DeleteModel(name="Filter"),
                migrations.DeleteModel(name="ConversationState"),
            ],
        ),
    ]
