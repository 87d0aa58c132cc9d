"""Background work for moving in: each import runs as a task on the "imports" queue."""

from django_tasks import task

from caravan.moving.services import run_import_job


@task(queue_name="imports")
def run_import(job_id: int) -> None:
    run_import_job(job_id)
