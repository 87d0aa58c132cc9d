"""The unread badge: notifications after the reader's marker, the ones the policy filtered left out."""

import pytest

from caravan.notifications.models import Notification
from caravan.notifications.selectors import unread_count
from caravan.notifications.services import notify_many, save_marker
from caravan.publishing import create_post

pytestmark = pytest.mark.django_db


def test_counted_after_the_marker_and_never_the_filtered(make_account):
    reader, layla, omar = make_account("reader"), make_account("layla"), make_account("omar")
    posts = [create_post(reader, f"post {n}") for n in range(3)]
    notify_many([(reader, "favourite", layla, post) for post in posts])
    mine = list(Notification.objects.filter(recipient=reader).order_by("id"))
    assert len(mine) == 3
    assert unread_count(reader) == 3  # no marker yet: everything
    save_marker(reader, "notifications", mine[0].id)
    assert unread_count(reader) == 2
    Notification.objects.filter(pk=mine[2].pk).update(filtered=True)
    assert unread_count(reader) == 1
    save_marker(reader, "notifications", mine[2].id)
    assert unread_count(reader) == 0
    assert unread_count(omar) == 0
