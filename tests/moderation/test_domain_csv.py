"""Domain policies in and out of Mastodon's domain-blocks CSV: what Mastodon exports imports here, what we
export reads back the same, existing policies stand, bad rows are reported by line."""

import pytest

from caravan.errors import DomainError
from caravan.instance.models import DomainPolicy
from caravan.moderation.domains import (
    CSV_HEADER,
    export_domain_policies_csv,
    import_domain_policies_csv,
    set_domain_policy,
)

MASTODON_EXPORT = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    'spam.example,suspend,false,false,"spam, mostly",false\n'
    "Loud.Example,silence,TRUE,FALSE,,FALSE\n"
    "pics.example,noop,true,true,gore,false\n"
    "nothing.example,noop,false,false,,false\n"
    "not a domain,suspend,false,false,,false\n"
    "odd.example,purge,false,false,,false\n"
)


@pytest.fixture
def staff(make_user):
    from caravan.accounts.services import set_role

    return set_role(make_user("moderator1"), "moderator")


def test_a_mastodon_export_imports_with_bad_rows_reported(staff):
    set_domain_policy(staff, "pics.example", suspend=True, reason="ours")
    result = import_domain_policies_csv(staff, MASTODON_EXPORT.encode())
    assert result.created == ["spam.example", "loud.example"]
    assert result.skipped == ["pics.example"] and result.invalid == [5, 6, 7]
    spam, loud, pics = (
        DomainPolicy.objects.get(domain=d) for d in ("spam.example", "loud.example", "pics.example")
    )
    assert spam.suspend and spam.reason == "spam, mostly" and not spam.limit
    assert loud.limit and loud.reject_media and not loud.suspend and not loud.reject_reports
    assert pics.suspend and pics.reason == "ours"  # the local choice stands
    again = import_domain_policies_csv(staff, MASTODON_EXPORT.encode())
    assert again.created == [] and DomainPolicy.objects.count() == 3


def test_export_reads_back_the_same_and_keeps_notes_private(staff):
    set_domain_policy(staff, "a.example", suspend=True, reason="=HYPERLINK(1)", note="secret")
    set_domain_policy(staff, "b.example", limit=True, reject_reports=True, reason="noisy")
    set_domain_policy(staff, "c.example", reject_media=True)
    text = export_domain_policies_csv(staff)
    lines = text.splitlines()
    assert lines[0] == ",".join(CSV_HEADER)
    assert lines[1:] == [
        "a.example,suspend,false,false,'=HYPERLINK(1),false",
        "b.example,silence,false,true,noisy,false",
        "c.example,noop,true,false,,false",
    ]
    assert "secret" not in text
    DomainPolicy.objects.all().delete()
    assert import_domain_policies_csv(staff, text.encode()).created == ["a.example", "b.example", "c.example"]
    assert export_domain_policies_csv(staff) == text


def test_bare_domain_lists_suspend_and_non_csv_is_refused(staff, make_user):
    result = import_domain_policies_csv(staff, b"one.example\ntwo.example\n")
    assert result.created == ["one.example", "two.example"]
    assert DomainPolicy.objects.get(domain="one.example").suspend
    for bad in (b"", b"\xff\xfe junk", b"hello world,1\n"):
        with pytest.raises(DomainError) as error:
            import_domain_policies_csv(staff, bad)
        assert error.value.kind.code == "domain_csv_invalid"
    with pytest.raises(DomainError) as error:
        import_domain_policies_csv(make_user("person"), b"x.example\n")
    assert error.value.status == 403
