"""The moderators' domain-policies page (`/admin/domains`): add, change, remove, CSV in and out, staff only,
in English and Arabic."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from caravan.instance.models import DomainPolicy
from caravan.signup import create_admin

PASSWORD = "correct horse battery"  # noqa: S105 - a test account


def _staff_client(db_marker=None) -> Client:
    create_admin("boss", PASSWORD)
    client = Client()
    assert client.post("/auth/sign_in", {"username": "boss", "password": PASSWORD}).status_code == 302
    return client


def test_moderators_add_change_and_remove_policies(db):
    client = _staff_client()
    response = client.post(
        "/admin/domains",
        {"domain": "Spam.Example", "suspend": "on", "reason": "spam waves", "note": "ticket 4"},
    )
    assert response.status_code == 302
    policy = DomainPolicy.objects.get()
    assert (policy.domain, policy.suspend, policy.limit, policy.reason, policy.note) == (
        "spam.example",
        True,
        False,
        "spam waves",
        "ticket 4",
    )
    page = client.get("/admin/domains").content.decode()
    assert "spam.example" in page and "spam waves" in page and "ticket 4" in page
    edit = client.get(f"/admin/domains/{policy.pk}").content.decode()
    assert 'value="spam.example"' in edit and "readonly" in edit
    client.post(
        "/admin/domains", {"domain": "spam.example", "limit": "on", "reject_media": "on", "reason": "calmer"}
    )
    policy.refresh_from_db()
    assert policy.limit and policy.reject_media and not policy.suspend and policy.reason == "calmer"
    refused = client.post("/admin/domains", {"domain": "not a domain", "suspend": "on", "reason": "kept"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "That is not a domain name." in text and "kept" in text  # the form keeps what was typed
    assert client.post(f"/admin/domains/{policy.pk}/remove").status_code == 302
    assert not DomainPolicy.objects.exists()


def test_csv_export_and_import_from_the_page(db):
    client = _staff_client()
    upload = SimpleUploadedFile(
        "blocks.csv",
        b"#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        b"a.example,suspend,false,false,harassment,false\nbad domain,suspend,false,false,,false\n",
        content_type="text/csv",
    )
    response = client.post("/admin/domains/import", {"file": upload}, follow=True)
    text = response.content.decode()
    assert "1 policy added." in text and "These lines could not be read: 3" in text
    assert DomainPolicy.objects.get().domain == "a.example"
    export = client.get("/admin/domains/export.csv")
    assert export["Content-Type"] == "text/csv" and "attachment" in export["Content-Disposition"]
    assert export.content.decode().splitlines()[1] == "a.example,suspend,false,false,harassment,false"
    junk = SimpleUploadedFile("x.csv", b"\xff\xfe\x00junk", content_type="text/csv")
    text = client.post("/admin/domains/import", {"file": junk}, follow=True).content.decode()
    assert "not a domain-blocks CSV" in text


def test_the_page_is_for_moderators_only(db, signed_in):
    client, _user = signed_in("person")
    for method, path in (
        ("get", "/admin/domains"),
        ("post", "/admin/domains"),
        ("get", "/admin/domains/export.csv"),
        ("post", "/admin/domains/import"),
        ("get", "/admin/domains/1"),
        ("post", "/admin/domains/1/remove"),
    ):
        assert getattr(client, method)(path).status_code == 403, path
    assert Client().get("/admin/domains").status_code == 302  # to sign in


def test_the_page_in_arabic(db):
    client = _staff_client()
    client.post("/admin/domains", {"domain": "spam.example", "suspend": "on", "reason": "spam"})
    page = client.get("/admin/domains?lang=ar").content.decode()
    assert 'dir="rtl"' in page and "سياسات النطاقات" in page and "spam.example" in page
