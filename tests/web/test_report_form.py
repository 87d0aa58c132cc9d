"""The Report button and form: on every post and profile for signed-in people (not on their own), citing only
posts the reporter can read, with the rules broken; a remote account's form offers a copy to its server."""

from caravan.instance.services import add_rule
from caravan.moderation.models import Report
from caravan.posts.models import Visibility
from caravan.profiles import upsert_remote_account
from caravan.publishing import create_post


def test_report_button_on_posts_and_profiles_but_not_ones_own(signed_in, make_account):
    client, me = signed_in("alice")
    mallory = make_account("mallory")
    post = create_post(mallory, "nasty")
    mine = create_post(me.account, "mine")
    profile = client.get("/@mallory").content.decode()
    assert f'href="/report/{mallory.id}"' in profile
    assert f'href="/report/{mallory.id}?post={post.id}"' in profile
    thread = client.get(f"/@mallory/{post.id}").content.decode()
    assert f'href="/report/{mallory.id}?post={post.id}"' in thread
    own = client.get(f"/@alice/{mine.id}").content.decode()
    assert "/report/" not in own
    anonymous = client.__class__().get(f"/@mallory/{post.id}").content.decode()
    assert "/report/" not in anonymous


def test_the_form_files_a_report_with_posts_rules_and_comment(signed_in, make_account):
    client, me = signed_in("alice")
    mallory = make_account("mallory")
    rule = add_rule("No harassment")
    post = create_post(mallory, "nasty words here")
    form = client.get(f"/report/{mallory.id}?post={post.id}").content.decode()
    assert "nasty words here" in form and "No harassment" in form and 'name="forward"' not in form
    assert f'value="{post.id}" checked' in form
    response = client.post(
        f"/report/{mallory.id}",
        {
            "category": "violation",
            "rule_ids": [str(rule.id)],
            "post_ids": [str(post.id)],
            "comment": "please",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/@mallory"
    report = Report.objects.get()
    assert (report.reporter, report.target_account, report.category) == (me.account, mallory, "violation")
    assert report.post_ids == [post.id] and report.rule_ids == [rule.id] and report.comment == "please"
    assert not report.forward


def test_hidden_posts_cannot_be_cited_and_bad_input_is_a_form_error(signed_in, make_account):
    client, _me = signed_in("alice")
    mallory = make_account("mallory")
    hidden = create_post(mallory, "followers only secret", visibility=Visibility.PRIVATE)
    form = client.get(f"/report/{mallory.id}?post={hidden.id}").content.decode()
    assert "followers only secret" not in form
    response = client.post(f"/report/{mallory.id}", {"category": "spam", "post_ids": [str(hidden.id)]})
    assert response.status_code == 422 and not Report.objects.exists()
    response = client.post(f"/report/{mallory.id}", {"category": "spam", "comment": "x" * 1001})
    assert response.status_code == 422 and "x" * 1001 in response.content.decode()  # the comment is kept
    assert client.post(f"/report/{mallory.id}", {"category": "nonsense"}).status_code == 422
    assert client.get("/report/999999").status_code == 404
    assert not Report.objects.exists()


def test_a_remote_account_can_be_reported_with_a_copy_for_its_server(signed_in):
    client, _me = signed_in("alice")
    remote = upsert_remote_account(
        "https://remote.example/users/troll", username="troll", domain="remote.example"
    )
    form = client.get(f"/report/{remote.id}").content.decode()
    assert 'name="forward"' in form and "remote.example" in form
    client.post(f"/report/{remote.id}", {"category": "spam", "forward": "on"})
    assert Report.objects.get().forward


def test_reporting_oneself_is_not_offered(signed_in):
    client, me = signed_in("alice")
    assert client.get(f"/report/{me.account.id}").status_code == 404
