"""Importing X archives: every quirk of the format arrives as a quiet, backdated, correctly threaded post."""

from caravan.moving import services as moving
from caravan.moving.models import ImportedItem, ImportStatus
from caravan.notifications.models import Notification
from caravan.posts.models import Post
from caravan.timelines.models import FeedEntry

from .archives import OWN_ID, XArchive, jpeg_bytes, later, photo, snowflake, tweet, video, ytd


def import_archive(user, path, **options):
    job = moving.start_import(user, "x_archive", path, options, enqueue=False)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    return job


def quirky_archive() -> tuple[XArchive, dict]:
    archive = XArchive()
    ids = {}
    plain = archive.add(
        tweet(
            later(0),
            "Fish &amp; chips &lt;3 #Friday with @jack https://t.co/abc123",
            urls=[("https://t.co/abc123", "https://example.org/fish")],
            mentions=[("jack", "12", "Jack @jack@mastodon.example")],
        )
    )
    ids["plain"] = plain["id_str"]
    root_id = snowflake(later(10))
    child = archive.add(
        tweet(later(11), "second in my thread", reply_to=root_id)
    )  # before its parent in file
    archive.add(tweet(later(10), "first in my thread", tweet_id=root_id))
    ids["child"], ids["root"] = child["id_str"], root_id
    other = archive.add(
        tweet(
            later(20),
            "@someone I agree",
            reply_to="1234567890",
            reply_user_id="55",
            reply_screen="someone",
            mentions=[("someone", "55", "Some One")],
        )
    )
    ids["other"] = other["id_str"]
    pic_id = snowflake(later(30))
    archive.add(
        tweet(
            later(30),
            "Two pictures https://t.co/pics",
            tweet_id=pic_id,
            media=[photo(pic_id, 1, "https://t.co/pics"), photo(pic_id, 2, "https://t.co/pics")],
        ),
        media_files={
            f"Pic{pic_id[-6:]}1.jpg": jpeg_bytes(exif_gps=True),
            f"Pic{pic_id[-6:]}2.jpg": b"this is not a jpeg",
        },
    )
    ids["pics"] = pic_id
    vid_id = snowflake(later(40))
    archive.add(
        tweet(
            later(40), "A clip https://t.co/vid", tweet_id=vid_id, media=[video(vid_id, "https://t.co/vid")]
        )
    )
    first, last = snowflake(later(50)), snowflake(later(52))
    archive.add(tweet(later(50), "typo verison", tweet_id=first, edit_ids=[first, last]))
    edited = tweet(later(52), "typo version", tweet_id=last)
    edited["edit_info"] = {
        "edit": {"initialTweetId": first, "editControlInitial": {"editTweetIds": [first, last]}}
    }
    archive.add(edited)
    ids["edited"] = last
    long_text = "This is a long post " + "that goes on " * 30 + "and ends here."
    archive.add(tweet(later(60), long_text[:260] + "\u2026 https://t.co/more"))
    archive.data(
        "note_tweet",
        [
            {
                "noteTweet": {
                    "noteTweetId": "777",
                    "updatedAt": "2023-08-12T17:10:37.000Z",
                    "lifecycle": {"value": "1"},
                    "createdAt": "2023-08-12T17:10:37.000Z",
                    "core": {"text": long_text, "urls": [], "mentions": [], "hashtags": []},
                }
            }
        ],
    )
    archive.add(tweet(later(70), "RT @famous: something everyone shares"))
    archive.add(tweet(later(80), "old style http://example.com/old-link"))
    archive.data("deleted_tweets", [{"tweet": tweet(later(90), "SECRET deleted tweet")}])
    archive.data(
        "direct_messages",
        [
            {
                "dmConversation": {
                    "conversationId": "1-2",
                    "messages": [
                        {
                            "messageCreate": {
                                "text": "SECRET direct message",
                                "createdAt": "2023-08-12T16:10:37.000Z",
                            }
                        }
                    ],
                }
            }
        ],
    )
    archive.data(
        "following",
        [{"following": {"accountId": "12", "userLink": "https://twitter.com/intent/user?user_id=12"}}],
    )
    archive.parts = 2
    return archive, ids


def test_x_archive_quirks_arrive_as_quiet_backdated_posts(make_user, make_account, tmp_path):
    jack_here = make_account("jack")
    user = make_user("mover")
    archive, ids = quirky_archive()
    job = import_archive(user, archive.write_zip(tmp_path / "x.zip"))
    assert job.status == ImportStatus.DONE, job.error
    posts = {p.original_uri.rsplit("/", 1)[-1]: p for p in Post.objects.filter(account=user.account)}
    # nine posts: the edit collapsed to one, the retweet skipped, deleted tweets and DMs never read
    assert len(posts) == 9, sorted(p.text for p in posts.values())
    assert job.total == 10 and job.done == 9 and job.skipped == 1
    assert not any("SECRET" in p.text for p in posts.values())
    plain = posts[ids["plain"]]
    assert plain.text.startswith("Fish & chips <3 #Friday") and "https://example.org/fish" in plain.text
    assert plain.created_at == later(0) and plain.imported and plain.visibility == "public"
    assert "https://x.com/jack" in plain.content and jack_here.url not in plain.content
    assert not plain.mentions.exists() and plain.post_tags.filter(tag__name="friday").exists()
    child, root = posts[ids["child"]], posts[ids["root"]]
    assert child.in_reply_to_id == root.id and child.thread_root_id == root.id and root.replies_count == 1
    assert "https://x.com/someone/status/1234567890" in posts[ids["other"]].text
    pics = posts[ids["pics"]]
    assert "t.co" not in pics.text and pics.media_attachments.count() == 1
    assert any("not an image" in r["reason"] or "skipped" in r["reason"] for r in job.report)
    assert any("video" in r["reason"] for r in job.report)
    assert posts[ids["edited"]].text == "typo version" and posts[ids["edited"]].created_at == later(50)
    assert any(p.text.endswith("and ends here.") for p in posts.values())
    assert any('href="http://example.com/old-link"' in p.content for p in posts.values())
    # quiet: no one's home feed but nobody else's, no notifications, no fan-out task
    assert not FeedEntry.objects.exclude(owner=user.account).exists()
    assert not Notification.objects.exists()
    user.account.refresh_from_db()
    assert user.account.statuses_count == 9
    # ids sort by original date
    ordered = list(
        Post.objects.filter(account=user.account).order_by("id").values_list("created_at", flat=True)
    )
    assert ordered == sorted(ordered)


def test_running_again_adds_nothing_and_retweets_can_be_links(make_user, tmp_path):
    user = make_user("mover")
    archive, _ = quirky_archive()
    path = archive.write_zip(tmp_path / "x.zip")
    import_archive(user, path)
    again = import_archive(user, path, retweets="link")
    assert again.status == ImportStatus.DONE
    # only the retweet (skipped the first time) is new, kept as a link to it on X
    assert Post.objects.filter(account=user.account).count() == 10
    assert Post.objects.filter(
        text__contains="RT @famous", text__icontains="https://x.com/mover/status/"
    ).exists()


def test_crash_mid_import_resumes_without_duplicates(make_user, tmp_path, monkeypatch):
    from caravan.moving import x_archive

    user = make_user("mover")
    archive = XArchive()
    for n in range(25):
        archive.add(tweet(later(n), f"tweet number {n}"))
    path = archive.write_zip(tmp_path / "x.zip")
    monkeypatch.setattr(x_archive, "BATCH", 10)
    real = x_archive.import_posts_quietly
    calls = {"n": 0}

    def failing_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(x_archive, "import_posts_quietly", failing_second_batch)
    job = import_archive(user, path)
    assert job.status == ImportStatus.FAILED and "resume" in job.error
    assert Post.objects.filter(account=user.account).count() == 10 and job.done == 10
    moving.resume_import(job)
    moving.run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.done == 25
    assert Post.objects.filter(account=user.account).count() == 25
    assert ImportedItem.objects.filter(account=user.account).count() == 25


def test_old_layout_unwrapped_entries_without_manifest_in_a_folder(make_user, tmp_path):
    user = make_user("mover")
    archive = XArchive(legacy_names=True, manifest=False, wrapped=False)
    tid = snowflake(later(0))
    archive.add(
        tweet(later(0), "from 2019 https://t.co/p", tweet_id=tid, media=[photo(tid, 1, "https://t.co/p")]),
        media_files={f"Pic{tid[-6:]}1.jpg": jpeg_bytes()},
    )
    again = archive.add(tweet(later(1), "another one"))
    archive.add(again)  # listed twice (it happens across parts): stored once
    archive.data(
        "profile",
        [
            {
                "profile": {
                    "description": {"bio": "Cats &amp; code", "website": "https://t.co/w"},
                    "avatarMediaUrl": "https://pbs.twimg.com/profile_images/1/me.jpg",
                }
            }
        ],
    )
    archive.files["data/profile_media/1000001-me.jpg"] = jpeg_bytes()
    folder = archive.write_folder(tmp_path / "unpacked")
    job = import_archive(user, folder, profile=True)
    assert job.status == ImportStatus.DONE, job.error
    post = Post.objects.get(account=user.account, text="from 2019")
    assert post.media_attachments.count() == 1
    assert Post.objects.filter(account=user.account, text="another one").count() == 1
    user.account.refresh_from_db()
    assert user.account.display_name == "Mover" and user.account.note.startswith("Cats & code")
    assert user.account.avatar


def test_grailbird_archive_is_refused_by_name(make_user, tmp_path):
    import zipfile

    path = tmp_path / "old.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/js/tweets/2012_01.js", "Grailbird.data.tweets_2012_01 = []")
        archive.writestr("data/js/tweet_index.js", "var tweet_index = []")
    job = import_archive(make_user("mover"), path)
    assert job.status == ImportStatus.FAILED and "Grailbird" in job.error


def test_truncated_tweets_file_stops_with_a_clear_message(make_user, tmp_path):
    import zipfile

    path = tmp_path / "cut.zip"
    data = ytd("tweets", 0, [{"tweet": tweet(later(0), "hello")}])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/tweets.js", data[: len(data) // 2])
    job = import_archive(make_user("mover"), path)
    assert job.status == ImportStatus.FAILED and "truncated" in job.error
    assert OWN_ID  # the builder's own id is only used by full archives


def test_archive_zipped_again_inside_a_folder_is_found(make_user, tmp_path):
    import zipfile

    archive = XArchive()
    archive.add(tweet(later(0), "nested but found"))
    path = tmp_path / "rezipped.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in archive.contents().items():
            bundle.writestr(f"twitter-2024-01-01-abc/{name}", data)
    user = make_user("mover")
    job = import_archive(user, path)
    assert (
        job.status == ImportStatus.DONE and Post.objects.get(account=user.account).text == "nested but found"
    )


def test_the_report_says_how_many_likes_stayed_on_x(make_user, tmp_path):
    """X's like.js lists liked tweets by id (someone else's, on X): nothing to import, but the person is told how
    many, in their language, rather than finding them silently missing."""
    user = make_user("liker")
    archive = XArchive()
    archive.add(tweet(later(0), "my only tweet"))
    archive.data(
        "like",
        [
            {
                "like": {
                    "tweetId": str(1690000000000000000 + n),
                    "fullText": f"someone else's tweet {n}",
                    "expandedUrl": f"https://twitter.com/i/web/status/{1690000000000000000 + n}",
                }
            }
            for n in range(3)
        ],
    )
    job = import_archive(user, archive.write_zip(tmp_path / "x.zip"))
    assert job.status == ImportStatus.DONE, job.error
    likes = [entry for entry in job.report if entry.get("code") == "x_likes_not_imported"]
    assert len(likes) == 1 and likes[0]["item"] == "like.js" and likes[0]["params"]["count"] == 3
    assert "3 liked tweets" in likes[0]["reason"]
    assert Post.objects.filter(account=user.account).count() == 1  # likes never become posts
    assert job.done == 1 and job.skipped == 0 and job.failed == 0  # a note, not a skipped item


def test_an_archive_without_likes_says_nothing_about_them(make_user, tmp_path):
    user = make_user("nolikes")
    archive = XArchive()
    archive.add(tweet(later(0), "no likes here"))
    job = import_archive(user, archive.write_zip(tmp_path / "x.zip"))
    assert job.status == ImportStatus.DONE, job.error
    assert not [entry for entry in job.report if entry.get("code") == "x_likes_not_imported"]
