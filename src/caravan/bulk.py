"""Plain multi-row INSERTs for the few bulk paths (imports): the SQL is compiled once, not per object.

Django's bulk_create spends most of a 100,000-post import building SQL; this is the same insert, made cheaply.
Objects must already carry their primary keys (or have an auto-increment one left unset).
"""

from django.db import connection
from django.db.models import AutoField, BigAutoField, Model
from django.db.models.constants import OnConflict


def insert_rows(model: type[Model], objects: list[Model], *, ignore_conflicts: bool = False) -> None:
    if not objects:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields
              if not (isinstance(f, AutoField | BigAutoField) and getattr(objects[0], f.attname) is None)]
    ops = connection.ops
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(meta.db_table)} ({columns}) "
           f"VALUES ({placeholders})")
    if ignore_conflicts:
        sql += " " + ops.on_conflict_suffix_sql(fields, on_conflict, None, None)
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start : start + 2000])
