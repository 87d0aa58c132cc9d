"""Caravan's deploy-time configuration: every environment variable Caravan reads (CARAVAN_* and DATABASE_URL), each
read here and nowhere else, parsed into one typed, frozen `Config`.

A value that does not parse stops the process with a `ConfigError` naming the variable and what it takes; the
`caravan` command prints it as one line. Django's settings (caravan/settings.py) are built from `load()`.
"""

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


class ConfigError(ImproperlyConfigured):
    """An environment variable holds a value Caravan cannot use; the message is one line for the operator."""


@dataclass(frozen=True)
class Kind:
    """How one variable's text becomes a value: `accepts` says in words what `parse` takes."""

    accepts: str
    parse: Callable[[str], Any]


def text() -> Kind:
    return Kind("any text", lambda raw: raw)


def flag() -> Kind:
    def parse(raw: str) -> bool:
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError

    return Kind("on or off (also 1, true, yes / 0, false, no)", parse)


def whole(minimum: int = 0, maximum: int | None = None) -> Kind:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if value < minimum or (maximum is not None and value > maximum):
            raise ValueError
        return value

    if maximum is not None:
        return Kind(f"a whole number from {minimum} to {maximum}", parse)
    return Kind(f"a whole number ≥ {minimum}", parse)


def number(minimum: float = 0, *, above: bool = False) -> Kind:
    def parse(raw: str) -> float:
        value = float(raw.strip())
        if not math.isfinite(value) or value < minimum or (above and value == minimum):
            raise ValueError
        return value

    return Kind(f"a number {'>' if above else '≥'} {minimum:g}", parse)


def choice(*options: str) -> Kind:
    """One of `options`, in any case; the value is spelled as in `options`."""

    def parse(raw: str) -> str:
        for option in options:
            if raw.strip().lower() == option.lower():
                return option
        raise ValueError

    return Kind("one of " + ", ".join(options) + " (any case)", parse)


def http_url() -> Kind:
    def parse(raw: str) -> str:
        parts = urlsplit(raw.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError
        return raw.strip().rstrip("/")

    return Kind("an http:// or https:// URL with a host", parse)


def url_with_scheme(*schemes: str) -> Kind:
    def parse(raw: str) -> str:
        if urlsplit(raw.strip()).scheme not in schemes:
            raise ValueError
        return raw.strip()

    spelled = [scheme + "://" for scheme in schemes]
    return Kind(f"a {', '.join(spelled[:-1])} or {spelled[-1]} URL", parse)


def database_url() -> Kind:
    def parse(raw: str) -> str:
        try:
            dj_database_url.parse(raw.strip())
        except Exception as error:  # dj-database-url raises its own classes for each kind of mistake
            raise ValueError from error
        return raw.strip()

    return Kind("a database URL (postgres://user@host:5432/name)", parse)


def bucket_name() -> Kind:
    def parse(raw: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]", raw.strip()):
            raise ValueError
        return raw.strip()

    return Kind("a bucket name (3-63 lower-case letters, digits, dots, hyphens, underscores)", parse)


def path() -> Kind:
    return Kind("a folder path", lambda raw: Path(raw.strip()).expanduser())


def names() -> Kind:
    return Kind(
        "host names separated by commas", lambda raw: tuple(n.strip() for n in raw.split(",") if n.strip())
    )


def host_overrides() -> Kind:
    """suffix=ip,... : (suffix, ip) pairs, suffixes lower-cased."""

    def parse(raw: str) -> tuple[tuple[str, str], ...]:
        pairs = []
        for item in raw.split(","):
            if not item.strip():
                continue
            suffix, equals, ip = item.partition("=")
            if not equals or not suffix.strip():
                raise ValueError
            pairs.append((suffix.strip().lower(), str(ipaddress.ip_address(ip.strip()))))
        return tuple(pairs)

    return Kind("suffix=ip pairs separated by commas", parse)


def setting(variable: str, kind: Kind, default: Any, *, secret: bool = False) -> Any:
    """A Config field read from `variable`; unset or empty means `default`. A secret's value is never shown."""
    return field(
        default=default, repr=not secret, metadata={"variable": variable, "kind": kind, "secret": secret}
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
HTTP_LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


@dataclass(frozen=True)
class Config:
    """Every setting an operator can give Caravan. README's configuration table describes the same variables
    (tests/test_config.py keeps the two in step)."""

    # Where Caravan is and what it answers for.
    base_url: str = setting("CARAVAN_BASE_URL", http_url(), "http://127.0.0.1:8000")
    domain: str = setting("CARAVAN_DOMAIN", text(), "")  # empty: the host (and port) of base_url
    allowed_hosts: tuple[str, ...] = setting("CARAVAN_ALLOWED_HOSTS", names(), ())  # empty: any
    behind_proxy: bool = setting("CARAVAN_BEHIND_PROXY", flag(), False)

    # `caravan serve` and `caravan createadmin`.
    host: str = setting("CARAVAN_HOST", text(), "127.0.0.1")
    port: int = setting("CARAVAN_PORT", whole(0, 65535), 8000)
    web_workers: int = setting("CARAVAN_WEB_WORKERS", whole(1), 1)
    http_log_level: str = setting("CARAVAN_HTTP_LOG_LEVEL", choice(*HTTP_LOG_LEVELS), "warning")
    admin_password: str = setting("CARAVAN_ADMIN_PASSWORD", text(), "", secret=True)

    # Storage.
    data_dir: Path | None = setting("CARAVAN_DATA_DIR", path(), None)  # None: ./caravan-data
    database_url: str = setting("DATABASE_URL", database_url(), "", secret=True)  # empty: SQLite in data_dir
    redis_url: str = setting(
        "CARAVAN_REDIS_URL",
        url_with_scheme("redis", "rediss", "unix"),
        "",
        secret=True,
    )
    media_root: Path | None = setting("CARAVAN_MEDIA_ROOT", path(), None)  # None: data_dir/media
    secret_key: str = setting("CARAVAN_SECRET_KEY", text(), "", secret=True)  # empty: generated into data_dir
    # Media in an S3-compatible bucket (django-storages with boto3; decision 0042). No bucket: media_root.
    s3_bucket: str = setting("CARAVAN_S3_BUCKET", bucket_name(), "")
    s3_endpoint: str = setting("CARAVAN_S3_ENDPOINT", http_url(), "")  # empty: Amazon S3 itself
    s3_region: str = setting("CARAVAN_S3_REGION", text(), "")
    s3_access_key_id: str = setting("CARAVAN_S3_ACCESS_KEY_ID", text(), "")  # empty: boto3's own search
    s3_secret_access_key: str = setting("CARAVAN_S3_SECRET_ACCESS_KEY", text(), "", secret=True)
    s3_public_acl: bool = setting("CARAVAN_S3_PUBLIC_ACL", flag(), True)
    media_base_url: str = setting("CARAVAN_MEDIA_BASE_URL", http_url(), "")  # empty: the bucket's or /media/

    # Product limits.
    max_post_chars: int = setting("CARAVAN_MAX_POST_CHARS", whole(1), 500)
    max_image_bytes: int = setting("CARAVAN_MAX_IMAGE_BYTES", whole(1), 10 * 1024 * 1024)
    max_image_pixels: int = setting("CARAVAN_MAX_IMAGE_PIXELS", whole(1), 40_000_000)
    require_email: bool = setting("CARAVAN_REQUIRE_EMAIL", flag(), False)
    # Account security (caravan/accounts/security.py): new accounts confirm their address by a mailed link
    # before signing in; moderators and admins must turn on two-factor sign-in before opening any other page.
    confirm_email: bool = setting("CARAVAN_CONFIRM_EMAIL", flag(), False)
    require_two_factor_for_staff: bool = setting("CARAVAN_REQUIRE_TWO_FACTOR_FOR_STAFF", flag(), False)
    scheduled_min_ahead: int = setting("CARAVAN_SCHEDULED_MIN_AHEAD", whole(0), 300)
    # Home feeds keep the newest entries per person; older pages are computed (decision 0043). 0: never trimmed.
    home_feed_size: int = setting("CARAVAN_HOME_FEED_SIZE", whole(0), 800)

    # Background work and request threads.
    embedded_worker: bool = setting("CARAVAN_EMBEDDED_WORKER", flag(), True)
    worker_interval: float = setting("CARAVAN_WORKER_INTERVAL", number(0, above=True), 0.2)
    request_threads: int = setting("CARAVAN_REQUEST_THREADS", whole(0), 8)

    # Federation.
    authorized_fetch: bool = setting("CARAVAN_AUTHORIZED_FETCH", flag(), False)
    federation_allow_private: bool = setting("CARAVAN_FEDERATION_ALLOW_PRIVATE", flag(), False)
    federation_retry_scale: float = setting("CARAVAN_FEDERATION_RETRY_SCALE", number(0), 1.0)
    federation_unavailable_days: int = setting("CARAVAN_FEDERATION_UNAVAILABLE_DAYS", whole(1), 7)
    federation_resolve: tuple[tuple[str, str], ...] = setting(
        "CARAVAN_FEDERATION_RESOLVE", host_overrides(), ()
    )
    # Link preview cards (caravan/previews): fetched pages and images, and what counts as a trending link.
    preview_cards: bool = setting("CARAVAN_PREVIEW_CARDS", flag(), True)
    preview_max_page_bytes: int = setting("CARAVAN_PREVIEW_MAX_PAGE_BYTES", whole(1024), 1024 * 1024)
    preview_fetch_seconds: float = setting("CARAVAN_PREVIEW_FETCH_SECONDS", number(0, above=True), 10.0)
    preview_trend_min_accounts: int = setting("CARAVAN_PREVIEW_TREND_MIN_ACCOUNTS", whole(1), 2)
    inbox_backlog_limit: int = setting("CARAVAN_INBOX_BACKLOG_LIMIT", whole(0), 100_000)
    delivery_claim_timeout: int = setting("CARAVAN_DELIVERY_CLAIM_TIMEOUT", whole(1), 120)

    # Abuse limits (caravan/throttling.py); 0 turns one off.
    api_rate_limit: int = setting("CARAVAN_API_RATE_LIMIT", whole(0), 300)
    sign_in_failures_per_account: int = setting("CARAVAN_SIGN_IN_FAILURES_PER_ACCOUNT", whole(0), 10)
    sign_in_failures_per_address: int = setting("CARAVAN_SIGN_IN_FAILURES_PER_ADDRESS", whole(0), 25)
    sign_ups_per_address: int = setting("CARAVAN_SIGN_UPS_PER_ADDRESS", whole(0), 25)
    sign_ups_per_network: int = setting("CARAVAN_SIGN_UPS_PER_NETWORK", whole(0), 100)
    password_resets_per_account: int = setting("CARAVAN_PASSWORD_RESETS_PER_ACCOUNT", whole(0), 3)
    password_resets_per_address: int = setting("CARAVAN_PASSWORD_RESETS_PER_ADDRESS", whole(0), 10)
    # Suspicious sign-ups wait for approval even when registration is open (caravan/signup.py); 0 turns one off.
    hold_sign_ups_per_network: int = setting("CARAVAN_HOLD_SIGN_UPS_PER_NETWORK", whole(0), 10)
    hold_sign_ups_per_email_domain: int = setting("CARAVAN_HOLD_SIGN_UPS_PER_EMAIL_DOMAIN", whole(0), 10)
    hold_after_suspensions: bool = setting("CARAVAN_HOLD_AFTER_SUSPENSIONS", flag(), True)

    # Campaigns (caravan/campaigns/): approval of new campaigns, the age that makes a member count, joins per hour.
    campaigns_need_approval: bool = setting("CARAVAN_CAMPAIGNS_NEED_APPROVAL", flag(), False)
    campaign_min_account_age_days: int = setting("CARAVAN_CAMPAIGN_MIN_ACCOUNT_AGE_DAYS", whole(0), 7)
    campaign_joins_per_hour: int = setting("CARAVAN_CAMPAIGN_JOINS_PER_HOUR", whole(0), 30)
    # Email (caravan/mail.py; decision 0030): sent only when CARAVAN_SMTP_HOST is set.
    smtp_host: str = setting("CARAVAN_SMTP_HOST", text(), "")
    smtp_port: int = setting("CARAVAN_SMTP_PORT", whole(1, 65535), 587)
    smtp_user: str = setting("CARAVAN_SMTP_USER", text(), "")
    smtp_password: str = setting("CARAVAN_SMTP_PASSWORD", text(), "", secret=True)
    smtp_tls: str = setting("CARAVAN_SMTP_TLS", choice("starttls", "ssl", "off"), "starttls")
    email_from: str = setting("CARAVAN_EMAIL_FROM", text(), "")  # empty: caravan@ the server's host name

    # Discovery (caravan/trends): trending hashtags and posts; off, the trends API answers [] as Mastodon's does.
    trends: bool = setting("CARAVAN_TRENDS", flag(), True)

    # Moderation.
    moderation_log_shows_handles: bool = setting("CARAVAN_MODERATION_LOG_SHOWS_HANDLES", flag(), False)

    # The X-id directory (caravan/directory): lookups another server may make per hour; servers asked and
    # seconds spent asking them per import.
    directory_lookups_per_hour: int = setting("CARAVAN_DIRECTORY_LOOKUPS_PER_HOUR", whole(0), 600)
    directory_servers_per_import: int = setting("CARAVAN_DIRECTORY_SERVERS_PER_IMPORT", whole(0, 1000), 50)
    directory_lookup_seconds: float = setting("CARAVAN_DIRECTORY_LOOKUP_SECONDS", number(0), 60.0)

    # Diagnostics, tests and benchmarks.
    debug: bool = setting("CARAVAN_DEBUG", flag(), False)
    log_level: str = setting("CARAVAN_LOG_LEVEL", choice(*LOG_LEVELS), "WARNING")
    fast_password_hasher: bool = setting("CARAVAN_FAST_PASSWORD_HASHER", flag(), False)
    test_db_name: str = setting("CARAVAN_TEST_DB_NAME", text(), "")


@dataclass(frozen=True)
class Variable:
    """One environment variable as Config declares it."""

    name: str
    attribute: str
    kind: Kind
    default: Any
    secret: bool


def variables() -> list[Variable]:
    return [
        Variable(f.metadata["variable"], f.name, f.metadata["kind"], f.default, f.metadata["secret"])
        for f in fields(Config)
    ]


def load(environ: Mapping[str, str] | None = None) -> Config:
    """The configuration from `environ` (the process environment by default); raises ConfigError on the
    first value that does not parse."""
    environ = os.environ if environ is None else environ
    values = {}
    for variable in variables():
        raw = environ.get(variable.name, "")
        if raw.strip() == "":
            continue
        try:
            values[variable.attribute] = variable.kind.parse(raw)
        except ValueError:
            shown = "" if variable.secret else f" ({raw!r})"
            default = describe_default(variable)
            raise ConfigError(
                f"{variable.name} is not valid{shown}: it takes {variable.kind.accepts}"
                + (f" (default {default})." if default else ".")
            ) from None
    config = Config(**values)
    data_dir = (config.data_dir or Path.cwd() / "caravan-data").resolve()
    return replace(
        config,
        data_dir=data_dir,
        media_root=config.media_root or data_dir / "media",
        domain=config.domain or urlsplit(config.base_url).netloc,
    )


def describe_default(variable: Variable) -> str:
    """The default in the words README uses; empty when unset means "not used" or a value derived from others."""
    if variable.default is None or variable.default in ("", ()):
        return ""
    if isinstance(variable.default, bool):
        return "on" if variable.default else "off"
    if isinstance(variable.default, float):
        return f"{variable.default:g}"
    return str(variable.default)


def use_listen_address_as_base_url(host: str, port: int) -> None:
    """`caravan serve --host H --port P` without CARAVAN_BASE_URL: the public address is where it listens.

    Written into the environment, not only this process's Config, so the web server's worker processes
    (which load the configuration afresh) agree.
    """
    if not os.environ.get("CARAVAN_BASE_URL", "").strip():
        os.environ["CARAVAN_BASE_URL"] = f"http://{host if host != '0.0.0.0' else '127.0.0.1'}:{port}"
