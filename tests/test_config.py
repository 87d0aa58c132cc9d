"""The typed configuration (caravan/config.py): every environment variable read there and only there, bad values
refused with one line that names the variable, and README's table describing the same variables."""

import re
from pathlib import Path

import pytest

from caravan import config

ROOT = Path(__file__).resolve().parent.parent


def test_unset_and_empty_variables_take_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for given in ({}, {variable.name: "" for variable in config.variables()}):
        loaded = config.load(given)
        assert (
            loaded.max_post_chars == 500
            and loaded.embedded_worker is True
            and loaded.authorized_fetch is False
        )
        assert loaded.base_url == "http://127.0.0.1:8000" and loaded.domain == "127.0.0.1:8000"
        assert (
            loaded.data_dir == tmp_path / "caravan-data"
            and loaded.media_root == tmp_path / "caravan-data/media"
        )
        assert loaded.federation_resolve == () and loaded.log_level == "WARNING"


def test_values_are_parsed_into_their_types():
    loaded = config.load(
        {
            "CARAVAN_BASE_URL": "https://social.example/",
            "CARAVAN_MAX_POST_CHARS": " 1000 ",
            "CARAVAN_DEBUG": "Yes",
            "CARAVAN_EMBEDDED_WORKER": "off",
            "CARAVAN_WORKER_INTERVAL": "0.05",
            "CARAVAN_FEDERATION_RETRY_SCALE": "0",
            "CARAVAN_FEDERATION_RESOLVE": "Fed.Test=127.0.0.1, v6.test=::1",
            "CARAVAN_ALLOWED_HOSTS": "social.example,,www.social.example",
            "CARAVAN_LOG_LEVEL": "error",
            "CARAVAN_HTTP_LOG_LEVEL": "INFO",
            "CARAVAN_DATA_DIR": "/srv/caravan",
            "DATABASE_URL": "postgres://caravan@db:5432/caravan",
        }
    )
    assert loaded.base_url == "https://social.example" and loaded.domain == "social.example"
    assert loaded.max_post_chars == 1000 and loaded.debug is True and loaded.embedded_worker is False
    assert loaded.worker_interval == 0.05 and loaded.federation_retry_scale == 0.0
    assert loaded.federation_resolve == (("fed.test", "127.0.0.1"), ("v6.test", "::1"))
    assert loaded.allowed_hosts == ("social.example", "www.social.example")
    assert loaded.log_level == "ERROR" and loaded.http_log_level == "info"
    assert loaded.data_dir == Path("/srv/caravan") and loaded.media_root == Path("/srv/caravan/media")


@pytest.mark.parametrize(
    ("variable", "value", "accepts"),
    [
        ("CARAVAN_MAX_POST_CHARS", "5OO", "a whole number ≥ 1"),
        ("CARAVAN_MAX_POST_CHARS", "0", "a whole number ≥ 1"),
        ("CARAVAN_MAX_IMAGE_BYTES", "-1", "a whole number ≥ 1"),
        ("CARAVAN_PORT", "70000", "a whole number from 0 to 65535"),
        ("CARAVAN_DEBUG", "maybe", "on or off"),
        ("CARAVAN_WORKER_INTERVAL", "0", "a number > 0"),
        ("CARAVAN_FEDERATION_RETRY_SCALE", "nan", "a number ≥ 0"),
        ("CARAVAN_LOG_LEVEL", "loud", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("CARAVAN_BASE_URL", "social.example", "an http:// or https:// URL with a host"),
        ("CARAVAN_FEDERATION_RESOLVE", "fed.test=not-an-ip", "suffix=ip pairs"),
        ("CARAVAN_S3_BUCKET", "Media Bucket", "a bucket name"),
        ("CARAVAN_S3_ENDPOINT", "s3.example.net", "an http:// or https:// URL with a host"),
        ("CARAVAN_MEDIA_BASE_URL", "media.example.net", "an http:// or https:// URL with a host"),
    ],
)
def test_a_bad_value_is_refused_with_the_variable_and_what_it_accepts(variable, value, accepts):
    with pytest.raises(config.ConfigError) as refused:
        config.load({variable: value})
    message = str(refused.value)
    assert message.startswith(f"{variable} is not valid ({value!r}): it takes {accepts}")
    assert "\n" not in message


def test_a_secret_that_does_not_parse_is_not_repeated_in_the_error():
    with pytest.raises(config.ConfigError) as refused:
        config.load({"DATABASE_URL": "postgres://caravan:hunter2@db:notaport/caravan"})
    assert str(refused.value).startswith("DATABASE_URL is not valid: it takes a database URL")
    assert "hunter2" not in str(refused.value)
    with pytest.raises(config.ConfigError, match=r"^CARAVAN_REDIS_URL is not valid: it takes a redis://"):
        config.load({"CARAVAN_REDIS_URL": "default:hunter2@127.0.0.1:6379"})
    assert "hunter2" not in repr(config.load({"DATABASE_URL": "postgres://caravan:hunter2@db/caravan"}))


def test_object_storage_settings_are_read_and_the_secret_key_never_shown():
    loaded = config.load(
        {
            "CARAVAN_S3_BUCKET": "caravan-media",
            "CARAVAN_S3_ENDPOINT": "https://s3.example.net/",
            "CARAVAN_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "CARAVAN_S3_SECRET_ACCESS_KEY": "hunter2",
            "CARAVAN_S3_PUBLIC_ACL": "off",
            "CARAVAN_MEDIA_BASE_URL": "https://media.example.net/",
        }
    )
    assert loaded.s3_bucket == "caravan-media" and loaded.s3_endpoint == "https://s3.example.net"
    assert loaded.media_base_url == "https://media.example.net" and loaded.s3_public_acl is False
    assert "hunter2" not in repr(loaded) and "AKIDEXAMPLE" in repr(loaded)
    assert config.load({}).s3_bucket == ""  # unset: media on the local disk


def test_only_the_config_module_reads_the_environment():
    """Entry points may only name the Django settings module; every other value comes through caravan.config."""
    offenders = []
    for path in (ROOT / "src" / "caravan").rglob("*.py"):
        if path.name == "config.py" and path.parent.name == "caravan":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"os\.environ|getenv", line) and 'setdefault("DJANGO_SETTINGS_MODULE"' not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def _readme_rows() -> dict[str, tuple[str, str]]:
    """README's configuration table: variable -> (default cell, accepts cell)."""
    rows = {}
    for line in (ROOT / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`((?:CARAVAN_)?[A-Z0-9_]+)`", cells[0]) if len(cells) == 4 else None
        if match:
            rows[match.group(1)] = (cells[1], cells[2])
    return rows


def test_the_readme_table_lists_every_variable_with_its_default_and_what_it_accepts():
    rows = _readme_rows()
    assert sorted(rows) == sorted(variable.name for variable in config.variables())
    for variable in config.variables():
        default, accepts = rows[variable.name]
        assert accepts == variable.kind.accepts, variable.name
        if config.describe_default(variable):
            assert default.strip("`") == config.describe_default(variable), variable.name
