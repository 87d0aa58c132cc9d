"""Driver commands for the many-processes test: what a server's deliveries and task queue record about who sent
what (the outbound deliveries to a domain, and which worker process ran each delivery task)."""


def deliveries_sent(args: dict) -> list[dict]:
    """Every delivery to `domain`: the inbox's path, the activity's id, its state and attempts."""
    from urllib.parse import urlsplit

    from caravan.federation.models import Delivery

    rows = Delivery.objects.filter(domain=args["domain"]).values_list(
        "inbox_url", "activity__uri", "state", "attempts"
    )
    return [
        {"path": urlsplit(inbox).path, "id": uri, "state": state, "attempts": attempts}
        for inbox, uri, state, attempts in rows
    ]


def delivery_tasks(args: dict) -> list[dict]:
    """Each finished delivery task (`deliver_activity`, `deliver_retries`): the workers that claimed it
    (django-tasks' worker ids, `host-pid-thread`), its state and how many deliveries it attempted."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path__startswith="caravan.federation.tasks.deliver_").values_list(
        "task_path", "worker_ids", "status", "return_value"
    )
    return [
        {"task": path.rsplit(".", 1)[1], "workers": list(workers), "status": status, "attempted": value}
        for path, workers, status, value in rows
    ]


OPS = {"deliveries_sent": deliveries_sent, "delivery_tasks": delivery_tasks}
