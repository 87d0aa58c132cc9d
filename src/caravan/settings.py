"""Django settings for Caravan, built from the typed configuration in caravan/config.py (the CARAVAN_* environment
variables, each with an embedded-default value).

The embedded default is one box: SQLite in WAL mode, the task worker inside `caravan serve`, media on the local
disk. Setting DATABASE_URL (PostgreSQL), CARAVAN_REDIS_URL and CARAVAN_S3_BUCKET (media) moves each part out.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

from caravan import config

# Lower-case, so not a Django setting itself: code reads the settings below, never the raw configuration.
conf = config.load()

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = conf.data_dir

# The public base URL decides the domain in handles and every ActivityPub id.
BASE_URL = conf.base_url
DOMAIN = conf.domain
BASE_SCHEME = urlsplit(BASE_URL).scheme

DEBUG = conf.debug
SECRET_KEY = conf.secret_key
if not SECRET_KEY:
    # A stable per-installation secret kept beside the data, so sessions survive restarts without configuration.
    _secret_file = DATA_DIR / "secret_key"
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not _secret_file.exists():
            import secrets

            _secret_file.write_text(secrets.token_urlsafe(50))
            _secret_file.chmod(0o600)
        SECRET_KEY = _secret_file.read_text().strip()
    except OSError as error:
        raise config.ConfigError(
            f"Caravan cannot write its data folder {DATA_DIR} ({error}); set CARAVAN_DATA_DIR to a writable "
            "folder, or set CARAVAN_SECRET_KEY."
        ) from error

ALLOWED_HOSTS = list(conf.allowed_hosts) or ["*"]
CSRF_TRUSTED_ORIGINS = [BASE_URL]
USE_X_FORWARDED_HOST = conf.behind_proxy
if USE_X_FORWARDED_HOST:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "caravan.instance",
    "caravan.accounts",
    "caravan.social",
    "caravan.posts",
    "caravan.media",
    "caravan.timelines",
    "caravan.filters",
    "caravan.notifications",
    "caravan.search",
    "caravan.previews",
    "caravan.directory",
    "caravan.moving",
    "caravan.moderation",
    "caravan.campaigns",
    "caravan.pacts",
    "caravan.federation",
    "caravan.api",
    "caravan.push",
    "caravan.web",
]

MIDDLEWARE = [
    "caravan.api.middleware.CorsMiddleware",
    "caravan.middleware.SecurityMiddleware",
    "caravan.middleware.SessionMiddleware",
    "caravan.web.middleware.LanguageMiddleware",
    "caravan.web.middleware.DisplayMiddleware",
    "caravan.middleware.CommonMiddleware",
    "caravan.middleware.CsrfViewMiddleware",
    "caravan.middleware.AuthenticationMiddleware",
    "caravan.web.middleware.AccountSecurityMiddleware",
    "caravan.middleware.MessageMiddleware",
    "caravan.middleware.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "caravan.urls"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "caravan.web.context.site",
            ],
        },
    }
]

WSGI_APPLICATION = "caravan.wsgi.application"
ASGI_APPLICATION = "caravan.asgi.application"

# Database: SQLite (WAL, busy timeout, IMMEDIATE transactions) unless DATABASE_URL names another.
if conf.database_url:
    DATABASES = {
        "default": dj_database_url.parse(conf.database_url, conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's PostgreSQL backend, reading timestamps with psycopg's C loader (caravan/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "caravan.postgresql"
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, its writers taking turns fairly (caravan/sqlite/base.py).
            "ENGINE": "caravan.sqlite",
            "NAME": str(DATA_DIR / "caravan.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] in ("caravan.sqlite", "django.db.backends.sqlite3"):
    # Requests run on a few long-lived threads (caravan.asgi.RequestThreads): keep their connections open.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-20000;"
            "PRAGMA mmap_size=134217728;"
        ),
    }
if conf.test_db_name:
    # Lets several test runs share one PostgreSQL server without clobbering each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": conf.test_db_name}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/auth/sign_in"
LOGIN_REDIRECT_URL = "/home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if conf.fast_password_hasher:
    # Tests and benchmarks create thousands of accounts; argon2 would dominate their time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Media: the local disk (served at /media/) unless CARAVAN_S3_BUCKET names an S3-compatible bucket (decision 0042).
MEDIA_URL = f"{conf.media_base_url}/" if conf.media_base_url else "/media/"
MEDIA_ROOT = conf.media_root
MEDIA_IN_BUCKET = bool(conf.s3_bucket)


def media_bucket_options(given: config.Config) -> dict:
    """django-storages' S3Storage options for the bucket `given` names (tests build theirs here too)."""
    base = urlsplit(
        given.media_base_url
        # Without a CDN, URLs are the endpoint's path-style ones, or the bucket's own host on Amazon S3.
        or (given.s3_endpoint and f"{given.s3_endpoint}/{given.s3_bucket}")
        or f"https://{given.s3_bucket}.s3.{given.s3_region + '.' if given.s3_region else ''}amazonaws.com"
    )
    return {
        "bucket_name": given.s3_bucket,
        "endpoint_url": given.s3_endpoint or None,
        "region_name": given.s3_region or None,
        "access_key": given.s3_access_key_id or None,
        "secret_key": given.s3_secret_access_key or None,
        "addressing_style": "path" if given.s3_endpoint else None,
        # Media is public: plain URLs made without the client (no signing, no request), objects readable by all.
        "custom_domain": base.netloc + base.path,
        "url_protocol": f"{base.scheme}:",
        "querystring_auth": False,
        "default_acl": "public-read" if given.s3_public_acl else None,
        # Names are random and never rewritten: caches may keep an object for a year, and a save need not ask
        # whether the name is taken.
        "file_overwrite": True,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }


STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": media_bucket_options(conf)}
        if MEDIA_IN_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "delivery", "imports"],
    }
}


def redis_channel_layers(url: str) -> dict:
    """Live streaming across processes through Redis at `url`.

    No socket timeout, as redis-py had before its version 8: with one (8's default is 5 s) redis-py sends each
    command through `asyncio.wait_for`, and Python 3.11's wait_for drops a cancellation that arrives as the send
    completes. Cancelling a connection's pending receive then went unheard: channels_redis waits on for its
    channel's next message in rounds of BZPOPMIN (its brpop_timeout, 5 s), forever, one Redis connection and
    task leaked per closed stream (and a test that waits for its cancelled tasks hangs). channels_redis's own
    blocking reads end by themselves after those 5 s.
    """
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": None}]},
        }
    }


REDIS_URL = conf.redis_url
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# OAuth 2 for the Mastodon client API: Mastodon's scopes, optional PKCE, tokens that do not expire.
_READ_SCOPES = [
    "accounts",
    "blocks",
    "bookmarks",
    "collections",  # Mastodon 4.6's; Caravan answers its collection routes as switched off
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
]
_WRITE_SCOPES = [
    "accounts",
    "blocks",
    "bookmarks",
    "collections",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
]
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "read all your account's data",
        "write": "modify all your account's data",
        "follow": "modify account relationships",
        "push": "receive your push notifications",
        "profile": "read only your account's profile information",
        "admin:read": "read all data on the server",
        "admin:write": "modify all data on the server",
        **{f"read:{name}": f"see your {name}" for name in _READ_SCOPES},
        **{f"write:{name}": f"change your {name}" for name in _WRITE_SCOPES},
        **{
            f"admin:{mode}:{name}": f"{mode} {name} as an admin"
            for mode in ("read", "write")
            for name in (
                "accounts",
                "reports",
                "domain_allows",
                "domain_blocks",
                "ip_blocks",
                "email_domain_blocks",
                "canonical_email_blocks",
            )
        },
    },
    "DEFAULT_SCOPES": ["read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 100 * 365 * 86400,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "PKCE_REQUIRED": False,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    "OAUTH2_VALIDATOR_CLASS": "caravan.api.oauth_validator.MastodonOAuth2Validator",
}
# Named explicitly so migrations that point at the Application model resolve it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model name; push subscriptions point at it

SESSION_COOKIE_HTTPONLY = True
# Password reset links (caravan/accounts/security.py) work for three hours, and once.
PASSWORD_RESET_TIMEOUT = 3 * 3600
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_SCHEME == "https"
CSRF_COOKIE_SECURE = BASE_SCHEME == "https"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": conf.log_level},
}

# Email (caravan/mail.py names Django's SMTP backend itself; without a host nothing is sent).
EMAIL_HOST = conf.smtp_host
EMAIL_PORT = conf.smtp_port
EMAIL_HOST_USER = conf.smtp_user
EMAIL_HOST_PASSWORD = conf.smtp_password
EMAIL_USE_TLS = conf.smtp_tls == "starttls"
EMAIL_USE_SSL = conf.smtp_tls == "ssl"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = conf.email_from or f"caravan@{urlsplit(BASE_URL).hostname}"

# Product limits. The instance admin can change registration mode and rules in the database; these are deploy-time.
CARAVAN = {
    "MAX_POST_CHARS": conf.max_post_chars,
    "CHARS_PER_URL": 23,
    "MAX_MEDIA_PER_POST": 4,
    "MAX_IMAGE_BYTES": conf.max_image_bytes,
    # Larger images are refused from their header, before decoding (a 30000x30000 PNG is a few KB on disk).
    "MAX_IMAGE_PIXELS": conf.max_image_pixels,
    "MAX_POLL_OPTIONS": 4,
    "MAX_POLL_OPTION_CHARS": 50,
    "MIN_POLL_EXPIRATION": 300,
    "MAX_POLL_EXPIRATION": 2_629_746,
    "MAX_PROFILE_FIELDS": 4,
    "REQUIRE_EMAIL": conf.require_email,
    "CONFIRM_EMAIL": conf.confirm_email,
    "REQUIRE_TWO_FACTOR_FOR_STAFF": conf.require_two_factor_for_staff,
    "EMBEDDED_WORKER": conf.embedded_worker,
    "WORKER_INTERVAL": conf.worker_interval,
    "SCHEDULED_MIN_AHEAD": conf.scheduled_min_ahead,
    # Home feed entries kept per person (timelines.services.trim_home_feeds); 0 keeps every entry.
    "HOME_FEED_SIZE": conf.home_feed_size,
    # Client API requests per token (or per address without one) in five minutes; 0 turns the limit off.
    "API_RATE_LIMIT": conf.api_rate_limit,
    # Abuse limits (caravan/throttling.py); 0 turns one off. Failed sign-ins per account in an hour, failed
    # sign-ins and sign-up attempts per address (IPv6: per /64) in five minutes.
    "SIGN_IN_FAILURES_PER_ACCOUNT": conf.sign_in_failures_per_account,
    "SIGN_IN_FAILURES_PER_ADDRESS": conf.sign_in_failures_per_address,
    "SIGN_UPS_PER_ADDRESS": conf.sign_ups_per_address,
    # Sign-up attempts per network (IPv4 /24, IPv6 /48) in an hour.
    "SIGN_UPS_PER_NETWORK": conf.sign_ups_per_network,
    # Password reset emails asked for per account and per address in an hour (past the account's limit the
    # page answers as usual and sends nothing, so it never tells whether an account exists).
    "PASSWORD_RESETS_PER_ACCOUNT": conf.password_resets_per_account,
    "PASSWORD_RESETS_PER_ADDRESS": conf.password_resets_per_address,
    # Sign-ups held for approval (caravan/signup.py `hold_reasons`): the network already made this many in
    # 24 hours; the email domain this many in an hour; the address or email domain is a suspended wave's.
    "HOLD_SIGN_UPS_PER_NETWORK": conf.hold_sign_ups_per_network,
    "HOLD_SIGN_UPS_PER_EMAIL_DOMAIN": conf.hold_sign_ups_per_email_domain,
    "HOLD_AFTER_SUSPENSIONS": conf.hold_after_suspensions,
    # Trending hashtags and posts (caravan/trends); off, the trends API answers [] as Mastodon's does.
    "TRENDS": conf.trends,
    # The public moderation log (/about/moderation) names the accounts acted on; off, it withholds them.
    "MODERATION_LOG_SHOWS_HANDLES": conf.moderation_log_shows_handles,
    # The X-id directory: lookups per asking server per hour (0: no limit); servers asked and the seconds
    # spent asking per import (0 servers: this server's directory only).
    "DIRECTORY_LOOKUPS_PER_HOUR": conf.directory_lookups_per_hour,
    "DIRECTORY_SERVERS_PER_IMPORT": conf.directory_servers_per_import,
    "DIRECTORY_LOOKUP_SECONDS": conf.directory_lookup_seconds,
    # Campaigns: new ones wait for an admin's approval; members whose accounts are younger than this many days
    # (or await approval) are shown as unverified; joins, changes and leaves per account per hour (0: no limit).
    "CAMPAIGNS_NEED_APPROVAL": conf.campaigns_need_approval,
    "CAMPAIGN_MIN_ACCOUNT_AGE_DAYS": conf.campaign_min_account_age_days,
    "CAMPAIGN_JOINS_PER_HOUR": conf.campaign_joins_per_hour,
    # Long-lived threads per web process for requests' synchronous code; 0 = Django's thread per request.
    "REQUEST_THREADS": conf.request_threads,
    # Activities waiting in the inbox queue beyond which the inbox answers 503 (Retry-After); 0: no limit.
    "INBOX_BACKLOG_LIMIT": conf.inbox_backlog_limit,
    # Seconds a delivery being sent may go without its sender's heartbeat before it is sent again.
    "DELIVERY_CLAIM_TIMEOUT": conf.delivery_claim_timeout,
    # Federation switches, read at run time so tests can change them with override_settings.
    "AUTHORIZED_FETCH": conf.authorized_fetch,
    "FEDERATION_ALLOW_PRIVATE": conf.federation_allow_private,
    "PREVIEW_CARDS": conf.preview_cards,
    "PREVIEW_MAX_PAGE_BYTES": conf.preview_max_page_bytes,
    "PREVIEW_FETCH_SECONDS": conf.preview_fetch_seconds,
    "PREVIEW_TREND_MIN_ACCOUNTS": conf.preview_trend_min_accounts,
    "FEDERATION_RESOLVE": conf.federation_resolve,
    "FEDERATION_RETRY_SCALE": conf.federation_retry_scale,
    "FEDERATION_UNAVAILABLE_DAYS": conf.federation_unavailable_days,
}
