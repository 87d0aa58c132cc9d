"""One row of normalized terms per searchable post or account.

On SQLite an FTS5 table mirrors `terms` (kept in step by triggers created in the migration); on PostgreSQL a GIN
index on to_tsvector('simple', terms) serves the same queries. Stemming is done in Python, so both match alike.
"""

from django.db import models


class SearchDocument(models.Model):
    POST = "post"
    ACCOUNT = "account"

    kind = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    terms = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint("kind", "object_id", name="search_document_unique")]
