"""An import's report reads in the reader's language, what each line is about included: the importers'
identifiers (the archive, the profile, a tweet) are translated, names from the file are shown as they are."""

import pytest

from caravan import error_codes
from caravan.errors import stored
from caravan.moving.models import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db


def test_report_lines_say_what_they_are_about_in_arabic(client, make_user):
    user = make_user("huda")
    client.force_login(user)
    report = [
        {"item": "archive", **stored(error_codes.TWEETS_ALREADY_IMPORTED, count=3)},
        {"item": "tweet 1234", **stored(error_codes.RETWEET_SKIPPED)},
        {"item": "like.js", **stored(error_codes.X_LIKES_NOT_IMPORTED, count=2)},
    ]
    job = ImportJob.objects.create(
        user=user, kind="x_archive", source_path="/nowhere", status=ImportStatus.DONE, report=report
    )
    arabic = client.get(f"/settings/import/{job.pk}?lang=ar").content.decode()
    assert "<bdi>الأرشيف</bdi>" in arabic and "<bdi>التغريدة 1234</bdi>" in arabic
    assert "<bdi>like.js</bdi>" in arabic
    english = client.get(f"/settings/import/{job.pk}?lang=en").content.decode()
    assert "<bdi>the archive</bdi>" in english and "<bdi>tweet 1234</bdi>" in english
