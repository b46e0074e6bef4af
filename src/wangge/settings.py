"""One settings module, driven by environment variables (see README, "Configuration")."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("WANGGE_DATA_DIR", Path.cwd() / "var")).resolve()
# Private: it holds the database (with live session keys), the keys and the uploads.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _private_file(path: Path) -> Path:
    """Create `path` empty and owner-only (600) if it does not exist yet; SQLite makes its
    -wal and -shm files with the database file's mode."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return path


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """WANGGE_SECRET_KEY, or a key generated once and kept in the data folder."""
    if key := os.environ.get("WANGGE_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("WANGGE_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_FAILURE_VIEW = "wangge.web.errors.csrf_failure"  # our own 403 page, in Chinese
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("WANGGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "wangge.accounts.libraries.LockoutConfig",  # axes, named in Chinese
    "django_otp",
    "wangge.accounts.libraries.OtpTotpConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "wangge.regions",
    "wangge.accounts",
    "wangge.events",
    "wangge.intake",
    "wangge.open311",
    "wangge.portal",
    "wangge.suggest",
    "wangge.people",
    "wangge.fieldwork",
    "wangge.notices",
    "wangge.stats",
    "wangge.stats.assessment",
    "wangge.web",
    "wangge.dev",  # demo builders and the benchmark floor; nothing in the domain imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wangge.middleware.NulGuardMiddleware",  # before anything reads the path or query
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "wangge.accounts.middleware.LoginPolicyMiddleware",
    "wangge.accounts.middleware.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "wangge.urls"
WSGI_APPLICATION = "wangge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wangge.web.context.site",
            ],
        },
    },
]

# SQLite (WAL) in the data folder unless WANGGE_DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("WANGGE_DATABASE_URL")
        or f"sqlite:///{_private_file(DATA_DIR / 'wangge.sqlite3')}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The event workflow prepares its few hot statements on the server (events/rows.py); no
    # other query is ever prepared (Django binds on the client). 0 turns preparing off, for a
    # pooler in transaction mode that cannot keep prepared statements.
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": None if os.environ.get("WANGGE_DB_PREPARE", "1") == "0" else 2**62
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE makes concurrent writers queue instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Login and security (README, "Login and security") ---------------------------------
AUTHENTICATION_BACKENDS = [
    "wangge.accounts.backends.LockoutBackend",  # refuses locked-out users and addresses
    "django.contrib.auth.backends.ModelBackend",
]
WANGGE_PASSWORD_MIN_LENGTH = int(os.environ.get("WANGGE_PASSWORD_MIN_LENGTH", "10"))
# Of lower case, upper case, digits and other characters, how many a password must mix.
WANGGE_PASSWORD_CLASSES = int(os.environ.get("WANGGE_PASSWORD_CLASSES", "3"))
# A new password may not be one of the user's last N.
WANGGE_PASSWORD_HISTORY = int(os.environ.get("WANGGE_PASSWORD_HISTORY", "5"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": WANGGE_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "wangge.accounts.passwords.CharacterClassesValidator"},
    {"NAME": "wangge.accounts.passwords.HistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:start"  # today's tasks, work orders or the map (web.views.start)
LOGOUT_REDIRECT_URL = "login"
# Absolute: a session ends this long after the login, whatever its use.
SESSION_COOKIE_AGE = int(os.environ.get("WANGGE_SESSION_SECONDS", 8 * 3600))
# Idle: a session unused this long ends.
WANGGE_IDLE_SECONDS = int(os.environ.get("WANGGE_IDLE_SECONDS", 30 * 60))
# Lockout (django-axes, kept in the database): this many failed logins for one username, or
# from one address, lock that username or address for the cool-off; unlock in the back office.
AXES_FAILURE_LIMIT = int(os.environ.get("WANGGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("WANGGE_LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "wangge.accounts.clients.client_address"
AXES_LOCKOUT_CALLABLE = "wangge.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = False  # see wangge.accounts.lockout: only the user's own typos go
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login kept (who, from where, when)
# Rate limits, "count/seconds" per client address (429 with Retry-After beyond it).
WANGGE_RATE_LOGIN = os.environ.get("WANGGE_RATE_LOGIN", "30/300")
WANGGE_RATE_PORTAL_LOOKUP = os.environ.get("WANGGE_RATE_PORTAL_LOOKUP", "60/300")
WANGGE_RATE_PORTAL_FOLLOW = os.environ.get("WANGGE_RATE_PORTAL_FOLLOW", "120/300")
WANGGE_RATE_OPEN311_POST = os.environ.get("WANGGE_RATE_OPEN311_POST", "60/3600")
# Behind a reverse proxy: the header carrying the client's address (e.g. X-Real-IP), which
# the proxy must set itself; empty: the connection's own address.
WANGGE_CLIENT_HEADER = os.environ.get(
    "WANGGE_CLIENT_HEADER", os.environ.get("WANGGE_PORTAL_CLIENT_HEADER", "")
)
# TOTP second factor: always asked of users who enrolled; with WANGGE_OTP_REQUIRED,
# operators, auditors and administrators must enrol before anything else.
WANGGE_OTP_REQUIRED = _env_bool("WANGGE_OTP_REQUIRED", False)
OTP_TOTP_ISSUER = os.environ.get("WANGGE_OTP_ISSUER", "Wangge")
# Behind TLS. The proxy must set X-Forwarded-Proto itself (and strip a client's own).
WANGGE_HTTPS = _env_bool("WANGGE_HTTPS", False)
if _env_bool("WANGGE_BEHIND_PROXY", WANGGE_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = WANGGE_HTTPS
SECURE_SSL_REDIRECT = WANGGE_HTTPS and _env_bool("WANGGE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("WANGGE_HSTS_SECONDS", "31536000")) if WANGGE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("WANGGE_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_bool("WANGGE_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, enforced (no template runs inline script); "report-only" sends it
# as Content-Security-Policy-Report-Only, "off" not at all. WANGGE_CSP adds sources, e.g.
# the tile server: "img-src https://t.example".
WANGGE_CSP_MODE = os.environ.get("WANGGE_CSP_MODE", "enforce")
WANGGE_CSP_EXTRA = os.environ.get("WANGGE_CSP", "")
WANGGE_PERMISSIONS_POLICY = os.environ.get(
    "WANGGE_PERMISSIONS_POLICY",
    "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), interest-cohort=()",
)
# Rate counters live in this cache: Redis when WANGGE_REDIS_URL is set (shared by all hosts),
# else files in the data folder (shared by the processes of one host).
WANGGE_REDIS_URL = os.environ.get("WANGGE_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": WANGGE_REDIS_URL}
        if WANGGE_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # One entry per address and window; past this a third are dropped at random.
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    )
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("WANGGE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders too, so tests and `wangge serve` need no collectstatic.
WHITENOISE_USE_FINDERS = True

# --- Areas -----------------------------------------------------------------------------
# Levels of the area tree, top first: "name:digits" where digits is how many characters
# that level appends to its parent's code (the top level: the whole code).
WANGGE_LEVELS = os.environ.get("WANGGE_LEVELS", "区县:6,街道:3,社区:3,网格:3,微网格:3")
# Optional XYZ tile URL for the map; empty means no base map (offline).
WANGGE_TILE_URL = os.environ.get("WANGGE_TILE_URL", "")
WANGGE_TILE_ATTRIBUTION = os.environ.get("WANGGE_TILE_ATTRIBUTION", "")
# Or a preset base map (wangge/tiles.py): "tianditu" (with its key) or "gaode" (GCJ-02 tiles).
WANGGE_TILES = os.environ.get("WANGGE_TILES", "")
WANGGE_TIANDITU_KEY = os.environ.get("WANGGE_TIANDITU_KEY", "")
# How often (seconds) a process checks whether the area tree changed under it.
WANGGE_INDEX_CHECK_SECONDS = float(os.environ.get("WANGGE_INDEX_CHECK_SECONDS", "1.0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Numbers and follow tokens never reach a log (`wangge.logscrub`).
    "filters": {"scrub": {"()": "wangge.logscrub.ScrubFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["scrub"]}},
    # runserver's request lines too (Django gives them a handler of their own otherwise).
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("WANGGE_LOG_LEVEL", "WARNING")},
}

# --- Events ----------------------------------------------------------------------------
# Office hours for working-time deadlines: "HH:MM-HH:MM" spans, comma separated.
WANGGE_OFFICE_HOURS = os.environ.get("WANGGE_OFFICE_HOURS", "08:30-12:00,13:30-17:30")
# Share of a stage's time after which its yellow alert starts.
WANGGE_YELLOW_SHARE = float(os.environ.get("WANGGE_YELLOW_SHARE", "0.8"))
# Prefix of public tracking codes (XC-20260301-00042).
WANGGE_EVENT_CODE_PREFIX = os.environ.get("WANGGE_EVENT_CODE_PREFIX", "XC")
# Days after closing in which an unsatisfied event may be reopened.
WANGGE_REOPEN_DAYS = int(os.environ.get("WANGGE_REOPEN_DAYS", "15"))
# How often (seconds) a process re-reads the list of active webhook endpoints.
WANGGE_WEBHOOK_CHECK_SECONDS = float(os.environ.get("WANGGE_WEBHOOK_CHECK_SECONDS", "5"))
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

# --- Background tasks (huey) -----------------------------------------------------------
# Embedded by default: a SQLite queue file in the data folder, no server to run. With
# WANGGE_REDIS_URL (redis://host:6379/0), a Redis queue that workers on several hosts share
# (needs the `redis` package). WANGGE_TASKS_IMMEDIATE runs every task at once in the process
# that queues it (no worker; the test suite runs so), with an in-memory schedule for retries.
HUEY = {
    "name": "wangge",
    "immediate": _env_bool("WANGGE_TASKS_IMMEDIATE", False),
    "results": False,  # no task's return value is read; don't keep them
    "utc": True,
    **(
        {"huey_class": "huey.RedisHuey", "connection": {"url": WANGGE_REDIS_URL}}
        if WANGGE_REDIS_URL
        else {
            "huey_class": "huey.SqliteHuey",
            "filename": str(_private_file(DATA_DIR / "tasks.sqlite3")),
        }
    ),
    # `wangge worker`: threads in one process; locks left by a killed worker are freed on start.
    "consumer": {"workers": 2, "worker_type": "thread", "flush_locks": True},
}

# --- Figures (stats): facts and rollups kept by the worker -------------------------------
# Timeline entries younger than this are left for the next fill (a transaction still open
# could commit an entry with a smaller id); `wangge stats status` warns past LATE.
WANGGE_STATS_LAG_SECONDS = float(os.environ.get("WANGGE_STATS_LAG_SECONDS", "5"))
WANGGE_STATS_LATE_SECONDS = float(os.environ.get("WANGGE_STATS_LATE_SECONDS", "600"))
# Levels 1 … N have day and month rollups; deeper areas (grids, micro-grids: a few events a
# day each, where a rollup row would hold about one event) are counted from the facts.
WANGGE_STATS_ROLLUP_LEVELS = int(os.environ.get("WANGGE_STATS_ROLLUP_LEVELS", "3"))
# A rebuild on PostgreSQL computes the facts in one INSERT … SELECT (0: in Python, as the
# worker's fill does — the property test compares the two).
WANGGE_STATS_SQL_REBUILD = os.environ.get("WANGGE_STATS_SQL_REBUILD", "1") == "1"

# --- Assessment (考核) and bulletins (通报) ------------------------------------------------
# The worker computes a period's runs this many hours after it closes (late call-backs).
WANGGE_ASSESS_WAIT_HOURS = float(os.environ.get("WANGGE_ASSESS_WAIT_HOURS", "72"))
# The kinds of period run by the worker: month, quarter, year (comma-separated).
WANGGE_ASSESS_PERIODS = [
    p.strip() for p in os.environ.get("WANGGE_ASSESS_PERIODS", "month").split(",") if p.strip()
]
# 核查按时率: a verification is on time within this many hours of the handler's feedback.
WANGGE_ASSESS_VERIFY_HOURS = float(os.environ.get("WANGGE_ASSESS_VERIFY_HOURS", "24"))
# Days after publishing within which a result can be disputed (申诉).
WANGGE_ASSESS_DISPUTE_DAYS = int(os.environ.get("WANGGE_ASSESS_DISPUTE_DAYS", "7"))
# Bulletins are generated for the live areas of levels 1 … N.
WANGGE_BULLETIN_LEVELS = int(os.environ.get("WANGGE_BULLETIN_LEVELS", "1"))
# The weekly bulletin names the units whose satisfaction is below this (percent).
WANGGE_BULLETIN_SATISFACTION_FLOOR = float(
    os.environ.get("WANGGE_BULLETIN_SATISFACTION_FLOOR", "90")
)

# After downtime the worker catches up at most this many past periods of each kind (runs:
# months/quarters/years; bulletins: days, weeks, months); older ones are skipped with a
# warning (log, `wangge stats status`) and can be made by hand (`wangge assess run`).
WANGGE_ASSESS_CATCHUP_PERIODS = max(1, int(os.environ.get("WANGGE_ASSESS_CATCHUP_PERIODS", "3")))
# Daily bulletin hot spots (新增热点): a (category class, unit) whose count on the day is at
# least FACTOR times its daily average over the previous DAYS days and MIN above it.
WANGGE_BULLETIN_HOT_DAYS = int(os.environ.get("WANGGE_BULLETIN_HOT_DAYS", "7"))
WANGGE_BULLETIN_HOT_FACTOR = float(os.environ.get("WANGGE_BULLETIN_HOT_FACTOR", "2"))
WANGGE_BULLETIN_HOT_MIN = float(os.environ.get("WANGGE_BULLETIN_HOT_MIN", "3"))

# --- Intake: hotline, work-order systems and video alerts --------------------------------
# Seconds a signed webhook's timestamp may differ from now (replays older than this fail).
WANGGE_INTAKE_SIGNATURE_TOLERANCE = int(os.environ.get("WANGGE_INTAKE_SIGNATURE_TOLERANCE", "300"))
# Minutes within which alerts of one camera and alert type fold into one open event.
WANGGE_VIDEO_FOLD_MINUTES = int(os.environ.get("WANGGE_VIDEO_FOLD_MINUTES", "30"))
# Seconds the changes feed holds back the newest entries (see wangge.intake.feed).
WANGGE_INTAKE_FEED_LAG_SECONDS = float(os.environ.get("WANGGE_INTAKE_FEED_LAG_SECONDS", "2"))
WANGGE_INTAKE_IMPORT_MAX_BYTES = 20 * 1024 * 1024
# How long (seconds) a process trusts its copy of the channels (API keys, switched-off
# channels, mappings): a change made in another process is seen within it.
WANGGE_CHANNEL_CHECK_SECONDS = float(os.environ.get("WANGGE_CHANNEL_CHECK_SECONDS", "5"))
WANGGE_INTAKE_IMPORT_MAX_ROWS = int(os.environ.get("WANGGE_INTAKE_IMPORT_MAX_ROWS", "20000"))
# Only for benchmarks/intake.py: mounts the one-row-insert floor view. Never in production.
WANGGE_BENCH_FLOOR = _env_bool("WANGGE_BENCH_FLOOR", False)
# --- Duplicate reports -----------------------------------------------------------------
# Open events this close (metres) and this recent (hours) to a report, of the same 大类,
# whose title+description share this much text (0–1, bigram cosine) are offered as duplicates.
WANGGE_DUPLICATE_RADIUS_M = float(os.environ.get("WANGGE_DUPLICATE_RADIUS_M", "100"))
WANGGE_DUPLICATE_WINDOW_HOURS = float(os.environ.get("WANGGE_DUPLICATE_WINDOW_HOURS", "72"))
WANGGE_DUPLICATE_MIN_TEXT = float(os.environ.get("WANGGE_DUPLICATE_MIN_TEXT", "0.2"))
# How many candidates the event page and the API offer at most (best first).
WANGGE_DUPLICATE_LIMIT = int(os.environ.get("WANGGE_DUPLICATE_LIMIT", "5"))
# --- Resident portal (随手拍, /r/) --------------------------------------------------------
# Reports allowed per client address and per phone number within the window (seconds).
WANGGE_PORTAL_WINDOW_SECONDS = int(os.environ.get("WANGGE_PORTAL_WINDOW_SECONDS", "3600"))
WANGGE_PORTAL_PER_CLIENT = int(os.environ.get("WANGGE_PORTAL_PER_CLIENT", "10"))
WANGGE_PORTAL_PER_PHONE = int(os.environ.get("WANGGE_PORTAL_PER_PHONE", "5"))
# Top-level category codes residents may pick from (none picked: the resident channel's
# default category, else WANGGE_PORTAL_FALLBACK_CATEGORY; the operator re-sorts it).
WANGGE_PORTAL_CATEGORIES = [
    c.strip()
    for c in os.environ.get("WANGGE_PORTAL_CATEGORIES", "01,02,03,04,05,09,12,15").split(",")
    if c.strip()
]
WANGGE_PORTAL_FALLBACK_CATEGORY = os.environ.get("WANGGE_PORTAL_FALLBACK_CATEGORY", "12")
WANGGE_PORTAL_MAX_PHOTOS = int(os.environ.get("WANGGE_PORTAL_MAX_PHOTOS", "6"))
WANGGE_PORTAL_MAX_PHOTO_MB = int(os.environ.get("WANGGE_PORTAL_MAX_PHOTO_MB", "8"))
# Personal data: the key ring for ID numbers and phones. WANGGE_PII_KEY
# ("kid:base64key[,kid:base64key…]", current first) wins; otherwise this file, outside the
# database, generated on first use (see wangge.people.crypto).
# People-import reports (they name residents) are kept this many days, then removed.
WANGGE_IMPORT_REPORT_DAYS = int(os.environ.get("WANGGE_IMPORT_REPORT_DAYS", "7"))
# Exports prepared in the background ("我的下载") are kept this many days, then removed.
WANGGE_DOWNLOAD_DAYS = int(os.environ.get("WANGGE_DOWNLOAD_DAYS", "2"))
WANGGE_PII_KEY_FILE = Path(os.environ.get("WANGGE_PII_KEY_FILE", DATA_DIR / "pii.key"))
# The audit chain's HMAC key (WANGGE_AUDIT_KEY, base64, or this file, made on first use) and
# the signed checkpoint of the chain's head written outside the database (`wangge.accounts.audit`).
WANGGE_AUDIT_KEY_FILE = Path(os.environ.get("WANGGE_AUDIT_KEY_FILE", DATA_DIR / "audit.key"))
WANGGE_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("WANGGE_AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit.checkpoint")
)
# Reveals of personal data (residents' ID numbers and phones, reporters' phones) one user may
# make within an hour; past it they are refused and the auditors alerted (0: no limit).
WANGGE_REVEAL_LIMIT = int(os.environ.get("WANGGE_REVEAL_LIMIT", "30"))
# --- Open311 GeoReport v2 (/open311/v2/) -------------------------------------------------
# Accepted jurisdiction_id values, comma separated; empty: the code of the top area(s).
WANGGE_OPEN311_JURISDICTION = os.environ.get("WANGGE_OPEN311_JURISDICTION", "")
# Besides requests that came in through Open311, the channels whose events the public read
# side lists (comma separated codes; "*": every channel).
WANGGE_OPEN311_CHANNELS = os.environ.get("WANGGE_OPEN311_CHANNELS", "")
# Shown in discovery: whom to contact, and how a developer gets an api_key.
WANGGE_OPEN311_CONTACT = os.environ.get("WANGGE_OPEN311_CONTACT", "")
WANGGE_OPEN311_KEY_SERVICE = os.environ.get("WANGGE_OPEN311_KEY_SERVICE", "")
# --- Dispatch suggestions --------------------------------------------------------------
# Under this probability the model's first department is not proposed: routing rules apply.
WANGGE_SUGGEST_MIN_CONFIDENCE = float(os.environ.get("WANGGE_SUGGEST_MIN_CONFIDENCE", "0.5"))
# Fewer closed events than this (or only one category) and no model is trained.
WANGGE_SUGGEST_MIN_SAMPLES = int(os.environ.get("WANGGE_SUGGEST_MIN_SAMPLES", "20"))
# Training reads at most this many of the latest closed events.
WANGGE_SUGGEST_MAX_SAMPLES = int(os.environ.get("WANGGE_SUGGEST_MAX_SAMPLES", "20000"))
# Model versions kept in the database (the newest is used).
WANGGE_SUGGEST_KEEP_VERSIONS = int(os.environ.get("WANGGE_SUGGEST_KEEP_VERSIONS", "3"))
# Load the model in the background when a process serves its first request (not on the
# first event page, which would wait seconds for it).
WANGGE_SUGGEST_WARM_UP = _env_bool("WANGGE_SUGGEST_WARM_UP", True)
# The worker retrains nightly at this hour (UTC; 18 = 02:00 in China).
WANGGE_SUGGEST_TRAIN_HOUR_UTC = int(os.environ.get("WANGGE_SUGGEST_TRAIN_HOUR_UTC", "18"))
# --- Notices (通知) --------------------------------------------------------------------
# The unconfirmed are reminded this many working hours after a notice is sent in office
# hours, or this many hours after one sent outside them; their supervisors are told after
# the same time again (see wangge.notices.escalation).
WANGGE_NOTICE_REMIND_WORK_HOURS = float(os.environ.get("WANGGE_NOTICE_REMIND_WORK_HOURS", "2"))
WANGGE_NOTICE_REMIND_OFF_HOURS = float(os.environ.get("WANGGE_NOTICE_REMIND_OFF_HOURS", "12"))
