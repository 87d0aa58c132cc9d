"""The catalogue of what can go wrong for a person: each kind's stable code, its English message with named
parameters (marked for translation; a message that shows a count is a plural, chosen by that parameter), and
the HTTP status a face answers with. Raise them with `caravan.errors.DomainError(KIND, field=..., **params)`.

Codes are part of the client API's answers and of stored import reports: never rename one.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


@dataclass(frozen=True, eq=False)
class ErrorKind:
    code: str
    message: Promise | str  # a plain str only for text that arrives already in the reader's language
    status: int = 422

    def __repr__(self) -> str:
        return f"ErrorKind({self.code!r})"


# Anywhere
RECORD_NOT_FOUND = ErrorKind("record_not_found", _("Record not found"), 404)
NOT_A_WHOLE_NUMBER = ErrorKind("not_a_whole_number", _("Enter a whole number."))
UNKNOWN_ACTION = ErrorKind("unknown_action", _("Unknown action."))

# Roles and moderation
ROLE_UNKNOWN = ErrorKind("role_unknown", _("Unknown role; choose one of %(roles)s."))
NOT_A_MODERATOR = ErrorKind("not_a_moderator", _("Only moderators may do this."), 403)
MODERATION_KIND_UNKNOWN = ErrorKind("moderation_kind_unknown", _("Unknown kind of moderation action."))
MODERATION_REASON_REQUIRED = ErrorKind(
    "moderation_reason_required", _("Write the reason for the person this action is about.")
)
MODERATION_RULE_REQUIRED = ErrorKind(
    "moderation_rule_required", _("Name at least one of the server's rules.")
)
MODERATION_POSTS_REQUIRED = ErrorKind(
    "moderation_posts_required", _("Choose the posts to delete; they must be this account's posts.")
)
MODERATION_POST_NOT_CITABLE = ErrorKind(
    "moderation_post_not_citable",
    _("Only posts you may read can be cited here; cite followers-only and direct posts from a report."),
)
MODERATION_ACTION_LIFTED = ErrorKind("moderation_action_lifted", _("This action has already been lifted."))
CANNOT_MODERATE_SELF = ErrorKind(
    "cannot_moderate_self", _("You cannot take action on your own account."), 403
)
BULK_NOTHING_SELECTED = ErrorKind("bulk_nothing_selected", _("Select at least one account."))
BULK_TOO_MANY = ErrorKind("bulk_too_many", _("Select at most %(limit)s accounts at once."))
ACCOUNT_ALREADY_SUSPENDED = ErrorKind("account_already_suspended", _("This account is already suspended."))
ACCOUNT_NOT_SUSPENDED = ErrorKind(
    "account_not_suspended", _("Only a suspended account's data can be deleted this way."), 403
)
ACCOUNT_APPEAL_WAITING = ErrorKind(
    "account_appeal_waiting", _("The person has appealed this suspension: decide the appeal first."), 403
)
REPORT_ALREADY_RESOLVED = ErrorKind("report_already_resolved", _("This report is already resolved."))
REPORT_NOT_RESOLVED = ErrorKind("report_not_resolved", _("This report is open."))
REPORT_NOTE_BLANK = ErrorKind("report_note_blank", _("Write a note."))
# Moderation through the admin API (Mastodon's words, Caravan's rules)
ADMIN_ACTION_TYPE_UNKNOWN = ErrorKind(
    "admin_action_type_unknown", _("type must be none, sensitive, disable, silence or suspend.")
)
ADMIN_ACTION_RULES_REQUIRED = ErrorKind(
    "admin_action_rules_required",
    _(
        "Name the server rules this action is taken under (rule_ids[]), or a report that names them "
        "(report_id)."
    ),
)
ACCOUNT_NOT_LOCAL = ErrorKind("account_not_local", _("Only accounts of this server can be changed this way."))
ACCOUNT_NOT_PENDING = ErrorKind("account_not_pending", _("This account is not awaiting approval."), 403)
STAFF_NEEDS_ADMIN = ErrorKind(
    "staff_needs_admin", _("Only an admin may act on the account of a moderator or an admin."), 403
)
ADMIN_FILTER_INVALID = ErrorKind("admin_filter_invalid", _("%(name)s must be one of: %(choices)s."))
IP_ADDRESS_INVALID = ErrorKind("ip_address_invalid", _("%(name)s must be an IP address."))
# Appeals
APPEAL_NOT_YOURS = ErrorKind(
    "appeal_not_yours", _("Only the person this decision is about may appeal it."), 403
)
APPEAL_PERIOD_OVER = ErrorKind(
    "appeal_period_over",
    ngettext_lazy(
        "Decisions may be appealed within %(days)s day; this one can no longer be.",
        "Decisions may be appealed within %(days)s days; this one can no longer be.",
        "days",
    ),
)
APPEAL_ALREADY_MADE = ErrorKind("appeal_already_made", _("This decision has already been appealed."))
APPEAL_TEXT_REQUIRED = ErrorKind("appeal_text_required", _("Write your message."))
APPEAL_TEXT_TOO_LONG = ErrorKind(
    "appeal_text_too_long",
    ngettext_lazy(
        "Messages are at most %(limit)s character.", "Messages are at most %(limit)s characters.", "limit"
    ),
)
APPEAL_CLOSED = ErrorKind("appeal_closed", _("This appeal has been decided."))
APPEAL_DECIDED_BY_ACTING_MODERATOR = ErrorKind(
    "appeal_decided_by_acting_moderator",
    _("A different moderator than the one who took the action must decide the appeal."),
    403,
)
APPEAL_DECISION_UNKNOWN = ErrorKind("appeal_decision_unknown", _("Choose to approve or reject the appeal."))

# Accounts: signing up, profiles, preferences, deleting
USERNAME_BLANK = ErrorKind("username_blank", _("Choose a username."))
USERNAME_INVALID = ErrorKind(
    "username_invalid", _("Usernames may only use letters a-z, digits and underscores, up to 30 characters.")
)
USERNAME_RESERVED = ErrorKind("username_reserved", _("That username is reserved."))
USERNAME_TAKEN = ErrorKind("username_taken", _("That username is taken."))
REGISTRATIONS_CLOSED = ErrorKind("registrations_closed", _("This server is not accepting new accounts."), 403)
RULES_NOT_ACCEPTED = ErrorKind("rules_not_accepted", _("You need to accept the server's rules to sign up."))
EMAIL_INVALID = ErrorKind("email_invalid", _("That email address does not look right."))
EMAIL_REQUIRED = ErrorKind("email_required", _("An email address is required on this server."))
# Django's password validators word their reasons in the active language already.
PASSWORD_REJECTED = ErrorKind("password_rejected", "%(reasons)s")
JOIN_REASON_REQUIRED = ErrorKind("join_reason_required", _("Tell the moderators why you want to join."))
INVITE_INVALID = ErrorKind("invite_invalid", _("This server is invite-only; that invite code is not valid."))
INVITE_EXPIRED = ErrorKind("invite_expired", _("That invite has expired."))
INVITE_USED_UP = ErrorKind("invite_used_up", _("That invite has been used up."))
NOT_AWAITING_APPROVAL = ErrorKind(
    "not_awaiting_approval", _("Only registrations awaiting approval can be rejected.")
)
DISPLAY_NAME_TOO_LONG = ErrorKind("display_name_too_long", _("Display names are at most 30 characters."))
BIO_TOO_LONG = ErrorKind("bio_too_long", _("Bios are at most 500 characters."))
PROFILE_FIELD_TOO_LONG = ErrorKind(
    "profile_field_too_long", _("Profile field names and values are at most 255 characters.")
)
TOO_MANY_PROFILE_FIELDS = ErrorKind(
    "too_many_profile_fields",
    ngettext_lazy("At most %(limit)s profile field.", "At most %(limit)s profile fields.", "limit"),
)
REMOTE_HANDLE_REJECTED = ErrorKind(
    "remote_handle_rejected",
    _("That account's name or server address has characters Caravan does not accept."),
)
LOCALE_UNAVAILABLE = ErrorKind("locale_unavailable", _("That interface language is not available."))
DIGITS_UNKNOWN = ErrorKind("digits_unknown", _("Choose Western (0-9) or Eastern Arabic (٠-٩) digits."))
TIME_ZONE_UNKNOWN = ErrorKind(
    "time_zone_unknown", _("Unknown time zone; write a name such as Asia/Riyadh or Europe/London.")
)
VISIBILITY_INVALID = ErrorKind(
    "visibility_invalid", _("Visibility must be one of public, unlisted, private or direct.")
)
LANGUAGE_CODE_INVALID = ErrorKind("language_code_invalid", _("That is not a language code."))
PASSWORD_WRONG = ErrorKind("password_wrong", _("That password is not right."), 403)
LAST_ADMIN = ErrorKind(
    "last_admin",
    _("You are the only administrator of this server; make someone else an administrator first."),
    403,
)

# Account security (caravan/accounts/security.py)
PASSWORD_CURRENT_WRONG = ErrorKind("password_current_wrong", _("Your current password is not right."), 403)
PASSWORDS_DIFFER = ErrorKind("passwords_differ", _("The two new passwords are not the same."))
RESET_LINK_INVALID = ErrorKind(
    "reset_link_invalid",
    _("This link has expired or was already used. Ask for a new one."),
    400,
)
CONFIRMATION_LINK_INVALID = ErrorKind(
    "confirmation_link_invalid", _("This confirmation link has expired or is no longer valid."), 400
)
EMAIL_NOT_CONFIRMED = ErrorKind(
    "email_not_confirmed",
    _("Confirm your email address first: follow the link we sent you, or ask for it again."),
    403,
)
# Mastodon's own words (in English) for a token whose account has not confirmed its address.
EMAIL_NOT_CONFIRMED_API = ErrorKind(
    "email_not_confirmed_api", _("Your login is missing a confirmed e-mail address"), 403
)
TWO_FACTOR_CODE_WRONG = ErrorKind(
    "two_factor_code_wrong", _("That code is not right, or was already used. Enter the current code."), 403
)
TWO_FACTOR_ALREADY_ON = ErrorKind("two_factor_already_on", _("Two-factor sign-in is already on."))
TWO_FACTOR_NOT_ON = ErrorKind("two_factor_not_on", _("Two-factor sign-in is not on."))
TWO_FACTOR_STEP_EXPIRED = ErrorKind(
    "two_factor_step_expired", _("Too much time passed since you entered your password. Sign in again."), 400
)
PASSWORD_RESETS_FROM_NETWORK = ErrorKind(
    "password_resets_from_network",
    ngettext_lazy(
        "Too many password reset requests from your network. Try again in %(minutes)s minute.",
        "Too many password reset requests from your network. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)
PASSWORD_RESETS_FOR_ACCOUNT = ErrorKind(
    "password_resets_for_account",
    ngettext_lazy(
        "Too many password reset requests for this account. Try again in %(minutes)s minute.",
        "Too many password reset requests for this account. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)
SESSION_NOT_FOUND = ErrorKind("session_not_found", _("That session has already ended."), 404)

# Sign-in and sign-up limits (caravan/throttling.py); the minutes are rounded up.
FAILED_SIGN_INS_TO_ACCOUNT = ErrorKind(
    "failed_sign_ins_to_account",
    ngettext_lazy(
        "Too many failed sign-ins to this account. Try again in %(minutes)s minute.",
        "Too many failed sign-ins to this account. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)
FAILED_SIGN_INS_FROM_NETWORK = ErrorKind(
    "failed_sign_ins_from_network",
    ngettext_lazy(
        "Too many failed sign-ins from your network. Try again in %(minutes)s minute.",
        "Too many failed sign-ins from your network. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)
SIGN_UPS_FROM_NETWORK = ErrorKind(
    "sign_ups_from_network",
    ngettext_lazy(
        "Too many sign-ups from your network. Try again in %(minutes)s minute.",
        "Too many sign-ups from your network. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)

# The server's settings, rules and invites
SERVER_NAME_LENGTH = ErrorKind("server_name_length", _("The server's name must be 1 to 200 characters."))
SHORT_DESCRIPTION_TOO_LONG = ErrorKind(
    "short_description_too_long", _("The short description is at most 500 characters.")
)
REGISTRATION_MODE_UNKNOWN = ErrorKind("registration_mode_unknown", _("Unknown registration mode."))
RULE_LENGTH = ErrorKind("rule_length", _("A rule must be 1 to 500 characters."))
INVITE_USES_TOO_FEW = ErrorKind("invite_uses_too_few", _("An invite must allow at least one use."))
INVITE_TOO_SHORT = ErrorKind("invite_too_short", _("An invite must last at least a day."))

# Domain policies (moderation/domains.py)
POLICY_DOMAIN_INVALID = ErrorKind("policy_domain_invalid", _("That is not a domain name."))
DOMAIN_IS_OURS = ErrorKind("domain_is_ours", _("This server cannot set a policy for itself."))
DOMAIN_POLICY_EMPTY = ErrorKind(
    "domain_policy_empty",
    _("Choose at least one thing to do with this domain (suspend, limit, reject media or reports)."),
)
DOMAIN_POLICY_EXISTS = ErrorKind("domain_policy_exists", _("This domain already has a policy."))
DOMAIN_REASON_TOO_LONG = ErrorKind(
    "domain_reason_too_long", _("Reasons and notes are at most %(limit)s characters.")
)
DOMAIN_CSV_INVALID = ErrorKind(
    "domain_csv_invalid", _("That file is not a domain-blocks CSV (it needs a #domain column).")
)

# Following, blocking, muting
CANNOT_FOLLOW_SELF = ErrorKind("cannot_follow_self", _("You cannot follow yourself."))
CANNOT_FOLLOW = ErrorKind("cannot_follow", _("You cannot follow this account."), 403)
ACCOUNT_MOVED = ErrorKind("account_moved", _("This account has moved; follow its new account instead."))
NO_FOLLOW_REQUEST = ErrorKind("no_follow_request", _("There is no such follow request."), 404)
CANNOT_BLOCK_SELF = ErrorKind("cannot_block_self", _("You cannot block yourself."))
CANNOT_MUTE_SELF = ErrorKind("cannot_mute_self", _("You cannot mute yourself."))
MUTE_DURATION_INVALID = ErrorKind(
    "mute_duration_invalid", _("Mute duration must be zero (forever) or a number of seconds.")
)
NOT_A_DOMAIN = ErrorKind("not_a_domain", _("That is not a domain name."))
ACCOUNT_NOTE_TOO_LONG = ErrorKind("account_note_too_long", _("Notes are at most 2000 characters."))

# Reports
CANNOT_REPORT_SELF = ErrorKind("cannot_report_self", _("You cannot report yourself."))
REPORT_CATEGORY_INVALID = ErrorKind(
    "report_category_invalid", _("category must be spam, legal, violation or other.")
)
REPORT_COMMENT_TOO_LONG = ErrorKind(
    "report_comment_too_long",
    ngettext_lazy(
        "Comments are at most %(limit)s character.", "Comments are at most %(limit)s characters.", "limit"
    ),
)
RULE_UNKNOWN = ErrorKind("rule_unknown", _("That rule does not exist on this server."))

# Posts: writing, editing, boosting, pinning, polls (posts/ and the publishing pipeline)
POST_TOO_LONG = ErrorKind(
    "post_too_long",
    ngettext_lazy(
        "Your post is %(length)s character long; the limit on this server is %(limit)s.",
        "Your post is %(length)s characters long; the limit on this server is %(limit)s.",
        "length",
    ),
)
POST_TOO_LONG_TO_STORE = ErrorKind("post_too_long_to_store", _("That post is too long to store."))
POST_EMPTY = ErrorKind("post_empty", _("Write something, or attach an image."))
MEDIA_AND_POLL = ErrorKind("media_and_poll", _("A post can have images or a poll, not both."))
TOO_MANY_IMAGES = ErrorKind(
    "too_many_images",
    ngettext_lazy(
        "A post can have at most %(limit)s image.", "A post can have at most %(limit)s images.", "limit"
    ),
)
MEDIA_NOT_YOURS = ErrorKind("media_not_yours", _("That media does not belong to you."))
MEDIA_ALREADY_ATTACHED = ErrorKind(
    "media_already_attached", _("That media is already attached to another post.")
)
POLL_OPTION_COUNT = ErrorKind(
    "poll_option_count",
    ngettext_lazy("A poll needs 2 to %(limit)s option.", "A poll needs 2 to %(limit)s options.", "limit"),
)
POLL_OPTION_EMPTY = ErrorKind("poll_option_empty", _("Poll options cannot be empty."))
POLL_OPTIONS_NOT_DISTINCT = ErrorKind(
    "poll_options_not_distinct", _("Poll options must be different from each other.")
)
POLL_OPTION_TOO_LONG = ErrorKind(
    "poll_option_too_long",
    ngettext_lazy(
        "Poll options are at most %(limit)s character.",
        "Poll options are at most %(limit)s characters.",
        "limit",
    ),
)
POLL_DURATION_INVALID = ErrorKind(
    "poll_duration_invalid", _("A poll must last between 5 minutes and a month.")
)
REPLY_TARGET_UNAVAILABLE = ErrorKind(
    "reply_target_unavailable", _("The post you are replying to is not available."), 404
)
REMOTE_POST_NEEDS_ID = ErrorKind("remote_post_needs_id", _("A remote post needs its id."))
ONLY_AUTHOR_CAN_EDIT = ErrorKind("only_author_can_edit", _("Only the author can edit a post."), 403)
ONLY_AUTHOR_CAN_DELETE = ErrorKind("only_author_can_delete", _("Only the author can delete a post."), 403)
BOOST_NOT_EDITABLE = ErrorKind("boost_not_editable", _("A boost cannot be edited."))
PRIVATE_POST_NOT_BOOSTABLE = ErrorKind(
    "private_post_not_boostable", _("Followers-only and direct posts cannot be boosted."), 403
)
DIRECT_POST_NOT_BOOSTABLE = ErrorKind("direct_post_not_boostable", _("Direct posts cannot be boosted."), 403)
PIN_NOT_OWN_POST = ErrorKind("pin_not_own_post", _("You can only pin your own posts."))
PIN_VISIBILITY = ErrorKind("pin_visibility", _("Only public and unlisted posts can be pinned."))
TOO_MANY_PINS = ErrorKind(
    "too_many_pins",
    ngettext_lazy("You can pin at most %(limit)s post.", "You can pin at most %(limit)s posts.", "limit"),
)
VOTE_IN_OWN_POLL = ErrorKind("vote_in_own_poll", _("You cannot vote in your own poll."))
VOTE_WITHOUT_CHOICE = ErrorKind("vote_without_choice", _("Choose an option."))
VOTE_UNKNOWN_OPTION = ErrorKind("vote_unknown_option", _("That option is not in this poll."))
VOTE_ONE_CHOICE = ErrorKind("vote_one_choice", _("This poll takes one choice."))
POLL_ENDED = ErrorKind("poll_ended", _("This poll has ended."))
ALREADY_VOTED = ErrorKind("already_voted", _("You have already voted in this poll."))
IMPORT_NEEDS_LOCAL_ACCOUNT = ErrorKind(
    "import_needs_local_account", _("Only local accounts can import posts.")
)

# Images
IMAGE_TOO_LARGE = ErrorKind(
    "image_too_large",
    ngettext_lazy(
        "Images can be at most %(megabytes)s MB.", "Images can be at most %(megabytes)s MB.", "megabytes"
    ),
)
IMAGE_TOO_MANY_PIXELS = ErrorKind(
    "image_too_many_pixels",
    ngettext_lazy(
        "Images can be at most %(megapixels)s megapixel.",
        "Images can be at most %(megapixels)s megapixels.",
        "megapixels",
    ),
)
FILE_EMPTY = ErrorKind("file_empty", _("The file is empty."))
IMAGE_FORMAT = ErrorKind("image_format", _("Only JPEG, PNG, GIF and WebP images can be uploaded."))
IMAGE_UNREADABLE = ErrorKind("image_unreadable", _("That file is not an image this server can read."))
FOCUS_INVALID = ErrorKind("focus_invalid", _("Focus must be two numbers between -1 and 1, like 0.5,-0.2."))
DESCRIPTION_TOO_LONG = ErrorKind("description_too_long", _("Descriptions are at most 1500 characters."))
REMOTE_MEDIA_URL = ErrorKind("remote_media_url", _("Media from other servers needs an http(s) address."))

# Timelines, hashtags and lists
NOT_A_HASHTAG = ErrorKind("not_a_hashtag", _("That is not a hashtag."))
LIST_TITLE = ErrorKind("list_title", _("A list needs a title of up to 200 characters."))
REPLIES_POLICY_INVALID = ErrorKind(
    "replies_policy_invalid", _("replies_policy must be followed, list or none.")
)
LIST_NEEDS_FOLLOW = ErrorKind("list_needs_follow", _("You can only add accounts you follow to a list."), 404)

# Paging through lists (web and API)
PAGE_ID_NOT_NUMERIC = ErrorKind("page_id_not_numeric", _("%(name)s must be a numeric id"), 400)
PAGE_LIMIT_NOT_NUMBER = ErrorKind("page_limit_not_number", _("limit must be a number"), 400)

# The client API: reading the request
PARAM_NAMES_TOO_DEEP = ErrorKind("param_names_too_deep", _("Parameter names are nested too deeply"), 400)
REQUEST_TOO_DEEP = ErrorKind("request_too_deep", _("The request is nested too deeply"), 400)
PARAM_NAME_NUL = ErrorKind("param_name_nul", _("Parameter names cannot contain NUL characters"), 400)
PARAM_VALUE_NUL = ErrorKind("param_value_nul", _("Parameters cannot contain NUL characters"), 400)
BODY_NOT_JSON = ErrorKind("body_not_json", _("The request body is not valid JSON"), 400)
BODY_NOT_OBJECT = ErrorKind("body_not_object", _("The request body must be a JSON object"), 400)
MULTIPART_UNREADABLE = ErrorKind("multipart_unreadable", _("The multipart body could not be read"), 400)
REQUEST_TOO_LARGE = ErrorKind("request_too_large", _("The request is too large"), 413)
REQUEST_UNREADABLE = ErrorKind("request_unreadable", _("The request could not be read"), 400)
PARAM_NOT_STRING = ErrorKind("param_not_string", _("%(name)s must be a string"))
PARAM_NOT_BOOLEAN = ErrorKind("param_not_boolean", _("%(name)s must be true or false"))
PARAM_NOT_WHOLE_NUMBER = ErrorKind("param_not_whole_number", _("%(name)s must be a whole number"))
PARAM_OUT_OF_RANGE = ErrorKind(
    "param_out_of_range", _("%(name)s must be a number from %(minimum)s up to %(maximum)s")
)
PARAM_BELOW_MINIMUM = ErrorKind("param_below_minimum", _("%(name)s must be a number from %(minimum)s"))
PARAM_ABOVE_MAXIMUM = ErrorKind("param_above_maximum", _("%(name)s must be a number up to %(maximum)s"))
PARAM_NOT_NUMBER_LIST = ErrorKind("param_not_number_list", _("%(name)s must be a list of whole numbers"))
PARAM_NOT_ID = ErrorKind("param_not_id", _("%(name)s must be an id"))
PARAM_NOT_ID_LIST = ErrorKind("param_not_id_list", _("%(name)s must be a list of ids"))
PARAM_NOT_STRING_LIST = ErrorKind("param_not_string_list", _("%(name)s must be a list of strings"))
PARAM_NOT_HASH = ErrorKind("param_not_hash", _("%(name)s must be a hash"))
PARAM_NOT_HASH_LIST = ErrorKind("param_not_hash_list", _("%(name)s must be a list of hashes"))
QUERY_REQUIRED = ErrorKind("query_required", _("q is required"), 400)
LINK_URL_REQUIRED = ErrorKind("link_url_required", _("url is required"), 400)
FILE_REQUIRED = ErrorKind("file_required", _("file is required"))
SEARCH_OFFSET_NEEDS_TOKEN = ErrorKind(
    "search_offset_needs_token", _("Search queries with offset require an access token"), 401
)
MEDIA_NOT_FOUND = ErrorKind("media_not_found", _("Some of the media were not found"))
SCHEDULED_POSTS_UNSUPPORTED = ErrorKind(
    "scheduled_posts_unsupported", _("Scheduled posts are not supported on this server")
)
METHOD_NOT_ALLOWED = ErrorKind("method_not_allowed", _("Method not allowed"), 405)
INTERNAL_ERROR = ErrorKind("internal_error", _("Internal server error"), 500)

# The client API: tokens, scopes, limits
TOKEN_INVALID = ErrorKind("token_invalid", _("The access token is invalid"), 401)
SCOPE_MISSING = ErrorKind("scope_missing", _("This action is outside the authorized scopes"), 403)
USER_REQUIRED = ErrorKind("user_required", _("This method requires an authenticated user"), 422)
ACCOUNT_SUSPENDED = ErrorKind("account_suspended", _("This account has been suspended."), 403)
LOGIN_PENDING_APPROVAL = ErrorKind(
    "login_pending_approval", _("Your login is currently pending approval"), 403
)
RATE_LIMITED = ErrorKind("rate_limited", _("Too many requests"), 429)

# The client API: registering apps and accounts (Mastodon's "Validation failed: ..." wording)
APP_NAME_BLANK = ErrorKind("app_name_blank", _("Validation failed: Application name can't be blank"))
REDIRECT_URI_BLANK = ErrorKind("redirect_uri_blank", _("Validation failed: Redirect URI can't be blank"))
REDIRECT_URI_NOT_ALLOWED = ErrorKind(
    "redirect_uri_not_allowed",
    _(
        "Validation failed: Redirect URI must be https, http on a loopback address (localhost, 127.0.0.1, "
        "[::1]), %(oob)s, or the app's own scheme such as com.example.app:/callback"
    ),
)
SCOPES_INVALID = ErrorKind("scopes_invalid", _("Validation failed: Scopes are not valid (%(scopes)s)"))
WEBSITE_INVALID = ErrorKind(
    "website_invalid", _("Validation failed: Website must be an http or https address")
)
VALIDATION_FAILED = ErrorKind("validation_failed", _("Validation failed: %(reason)s"))

# Filters (client API)
FILTER_TITLE = ErrorKind("filter_title", _("A filter needs a title."))
FILTER_CONTEXT = ErrorKind(
    "filter_context", _("context must list some of home, notifications, public, thread, account.")
)
FILTER_ACTION = ErrorKind("filter_action", _("filter_action must be warn, hide or blur."))
FILTER_EXPIRES_IN = ErrorKind("filter_expires_in", _("expires_in must be a number of seconds."))
FILTER_KEYWORD_EMPTY = ErrorKind("filter_keyword_empty", _("A keyword cannot be empty."))
FILTER_STATUS_DUPLICATE = ErrorKind("filter_status_duplicate", _("That status is already in this filter."))

# Imports, exports and moves: starting them
IMPORT_KIND_MISSING = ErrorKind("import_kind_missing", _("Choose what kind of file this is."))
IMPORT_NO_ACCOUNT = ErrorKind("import_no_account", _("This user has no account to import into."))
IMPORT_VISIBILITY = ErrorKind("import_visibility", _("Choose a visibility for the imported posts."))
IMPORT_RETWEETS = ErrorKind("import_retweets", _("Retweets are either skipped or kept as links."))
IMPORT_MODE = ErrorKind("import_mode", _("Choose merge or overwrite."))
IMPORT_FILE_NOT_FOUND = ErrorKind("import_file_not_found", _("The file to import was not found."))
IMPORT_FINISHED = ErrorKind("import_finished", _("This import has already finished."))
IMPORT_FILE_GONE = ErrorKind(
    "import_file_gone", _("The file of this import is gone; upload it again (nothing will be added twice).")
)
IMPORT_STOPPED_UNEXPECTEDLY = ErrorKind(
    "import_stopped_unexpectedly",
    _(
        "The import stopped unexpectedly (%(error)s). You can resume it; nothing already imported will be "
        "added twice."
    ),
)
UPLOAD_MISSING = ErrorKind("upload_missing", _("Choose a file to upload."))
UPLOAD_TOO_LARGE = ErrorKind("upload_too_large", _("That file is too large."))
EXPORT_UNKNOWN = ErrorKind("export_unknown", _("There is no such export."))
ACCOUNT_NOT_FOUND = ErrorKind("account_not_found", _("That account could not be found."), 404)
ALIAS_NOT_A_URI = ErrorKind(
    "alias_not_a_uri", _("An alias is the address (URI) of your other account, starting with https://.")
)
ALIAS_LOCAL_ONLY = ErrorKind("alias_local_only", _("Only local accounts have aliases set here."))
ALIAS_OF_ITSELF = ErrorKind("alias_of_itself", _("An account cannot be its own alias."))
TOO_MANY_ALIASES = ErrorKind(
    "too_many_aliases", ngettext_lazy("At most %(limit)s alias.", "At most %(limit)s aliases.", "limit")
)
MOVE_TO_ITSELF = ErrorKind("move_to_itself", _("An account cannot move to itself."))
MOVE_LOCAL_ONLY = ErrorKind("move_local_only", _("Only local accounts can move from here."))
MOVE_TARGET_MISSING = ErrorKind("move_target_missing", _("Choose another account to move to."))
MOVE_NEEDS_ALIAS = ErrorKind(
    "move_needs_alias", _("First add this account (%(account)s) as an alias on %(target)s, then try again.")
)
MOVE_TARGET_MOVED = ErrorKind(
    "move_target_moved", _("That account has itself moved; choose the account it moved to.")
)
MOVE_TOO_SOON = ErrorKind("move_too_soon", _("You can move only once every 30 days."))

# Imports: CSV files (each row that cannot be applied is reported with its reason)
CSV_TOO_LARGE = ErrorKind("csv_too_large", _("That file is larger than 20 MB."))
CSV_NOT_CSV = ErrorKind("csv_not_csv", _("That is not a CSV file."))
CSV_TOO_MANY_ROWS = ErrorKind(
    "csv_too_many_rows",
    ngettext_lazy(
        "That file has more than %(limit)s row.", "That file has more than %(limit)s rows.", "limit"
    ),
)
DOMAIN_INVALID = ErrorKind("domain_invalid", _("%(domain)s is not a valid domain name."))
NOT_AN_ACCOUNT_ADDRESS = ErrorKind("not_an_account_address", _("“%(value)s” is not an account address."))
ROW_WITHOUT_ADDRESS = ErrorKind("row_without_address", _("The row has no account address."))
NO_SUCH_ACCOUNT = ErrorKind("no_such_account", _("No account %(handle)s could be found."))
POST_UNKNOWN = ErrorKind("post_unknown", _("That post is not known on this server."))
LIST_ROW_INCOMPLETE = ErrorKind(
    "list_row_incomplete", _("A list row needs a list title and an account address.")
)

# Imports: archives as a whole (the import stops with this)
ARCHIVE_NOT_FOUND = ErrorKind("archive_not_found", _("No archive file was found at that path."))
ARCHIVE_BROKEN_LINK = ErrorKind("archive_broken_link", _("The archive path is a broken link."))
ARCHIVE_UNREADABLE = ErrorKind(
    "archive_unreadable",
    _("That file is not an archive this server can read (expected a .zip or .tar.gz), or it is damaged."),
)
ZIP_DAMAGED = ErrorKind("zip_damaged", _("The zip file is damaged or incomplete (%(error)s)."))
ARCHIVE_TOO_MANY_FILES = ErrorKind("archive_too_many_files", _("The archive holds too many files."))
ARCHIVE_TOO_LARGE = ErrorKind(
    "archive_too_large",
    ngettext_lazy(
        "The archive unpacks to %(size)s byte, more than this server accepts.",
        "The archive unpacks to %(size)s bytes, more than this server accepts.",
        "size",
    ),
)
ARCHIVE_ZIP_BOMB = ErrorKind(
    "archive_zip_bomb", _("The archive compresses suspiciously well (a zip bomb?); it was not imported.")
)
MEMBER_TAMPERED = ErrorKind(
    "member_tampered", _("%(name)s is larger than it claims to be; the archive looks tampered with.")
)
MEMBER_OUTSIDE = ErrorKind("member_outside", _("%(name)s points outside the archive."))
MEMBER_UNREADABLE = ErrorKind(
    "member_unreadable", _("%(name)s could not be read from the archive (%(error)s).")
)
MEMBER_TOO_LARGE = ErrorKind(
    "member_too_large",
    ngettext_lazy(
        "%(name)s is too large (%(size)s byte).", "%(name)s is too large (%(size)s bytes).", "size"
    ),
)
MEMBER_DAMAGED = ErrorKind("member_damaged", _("%(name)s is damaged (%(error)s)."))
DATA_FILE_WITHOUT_MARKER = ErrorKind(
    "data_file_without_marker", _("%(name)s is not an archive data file (no %(marker)s found).")
)
DATA_FILE_INVALID = ErrorKind("data_file_invalid", _("%(name)s is not an archive data file."))
DATA_NOT_A_LIST = ErrorKind("data_not_a_list", _("%(name)s does not hold a list."))
DATA_TRUNCATED = ErrorKind(
    "data_truncated", _("%(name)s ends in the middle of its data (a truncated file?).")
)
DATA_TOO_DEEP = ErrorKind("data_too_deep", _("%(name)s is nested too deeply to be real data."))
DATA_NOT_VALID = ErrorKind("data_not_valid", _("%(name)s is not valid data: %(error)s."))
DATA_NOT_VALID_TRUNCATED = ErrorKind(
    "data_not_valid_truncated", _("%(name)s is not valid data: %(error)s (a truncated file?).")
)
DATA_FILE_TOO_LARGE = ErrorKind("data_file_too_large", _("%(name)s is too large."))
X_ARCHIVE_GRAILBIRD = ErrorKind(
    "x_archive_grailbird",
    _(
        "This is an old Twitter archive (the “Grailbird” kind, made before 2018), which this server cannot "
        "read. Download a new archive from X (Settings, Your account, Download an archive of your data)."
    ),
)
X_ARCHIVE_NOT_RECOGNISED = ErrorKind(
    "x_archive_not_recognised",
    _("This does not look like an X / Twitter archive: it has no data/ folder with tweets."),
)
X_ARCHIVE_WITHOUT_TWEETS = ErrorKind(
    "x_archive_without_tweets", _("This X archive holds no tweets file (data/tweets.js).")
)
X_FILE_TOO_LARGE = ErrorKind("x_file_too_large", _("%(name)s is larger than this server reads."))
MASTODON_ARCHIVE_NOT_RECOGNISED = ErrorKind(
    "mastodon_archive_not_recognised",
    _("This does not look like a Mastodon archive: it has no outbox.json."),
)

# Imports: what an import skipped or left out, reported item by item
UNSAFE_FILE_NAME = ErrorKind(
    "unsafe_file_name", _("Unsafe file name (it points outside the archive); skipped.")
)
FILE_TOO_LARGE_SKIPPED = ErrorKind(
    "file_too_large_skipped",
    ngettext_lazy(
        "File is too large (%(size)s byte); skipped.", "File is too large (%(size)s bytes); skipped.", "size"
    ),
)
FILE_ZIP_BOMB_SKIPPED = ErrorKind(
    "file_zip_bomb_skipped", _("File compresses suspiciously well (a zip bomb?); skipped.")
)
SYMBOLIC_LINK_SKIPPED = ErrorKind("symbolic_link_skipped", _("Symbolic link; skipped."))
ENCRYPTED_FILE_SKIPPED = ErrorKind("encrypted_file_skipped", _("Encrypted file; skipped."))
LINK_SKIPPED = ErrorKind("link_skipped", _("Link inside the archive; skipped."))
NOT_A_REGULAR_FILE_SKIPPED = ErrorKind("not_a_regular_file_skipped", _("Not a regular file; skipped."))
ITEM_UNREADABLE = ErrorKind("item_unreadable", _("Could not be read: %(error)s"))
ITEM_WITHOUT_DATE = ErrorKind("item_without_date", _("it has no date"))
TWEETS_ALREADY_IMPORTED = ErrorKind(
    "tweets_already_imported",
    ngettext_lazy(
        "%(count)s tweet was already imported before; not added again.",
        "%(count)s tweets were already imported before; not added again.",
        "count",
    ),
)
POSTS_ALREADY_IMPORTED = ErrorKind(
    "posts_already_imported",
    ngettext_lazy(
        "%(count)s post was already imported before; not added again.",
        "%(count)s posts were already imported before; not added again.",
        "count",
    ),
)
RETWEET_SKIPPED = ErrorKind("retweet_skipped", _("A retweet; skipped as you chose."))
VIDEO_NOT_IMPORTED = ErrorKind(
    "video_not_imported", _("A video was not brought in: this server stores images only.")
)
ANIMATED_GIF_NOT_IMPORTED = ErrorKind(
    "animated_gif_not_imported", _("An animated GIF was not brought in: this server stores images only.")
)
AUDIO_NOT_IMPORTED = ErrorKind(
    "audio_not_imported", _("An audio attachment was not brought in: this server stores images only.")
)
MEDIA_NOT_IMPORTED = ErrorKind(
    "media_not_imported", _("A %(kind)s attachment was not brought in: this server stores images only.")
)
IMAGE_NOT_IN_ARCHIVE = ErrorKind("image_not_in_archive", _("The image %(name)s is not in the archive."))
ATTACHMENT_NOT_IN_ARCHIVE = ErrorKind(
    "attachment_not_in_archive", _("The attachment %(name)s is not in the archive.")
)
TOO_MANY_MEDIA = ErrorKind("too_many_media", _("More than 4 media; only the first 4 were considered."))
IMAGE_SKIPPED = ErrorKind("image_skipped", _("Image %(name)s skipped: %(reason)s"))
ATTACHMENT_SKIPPED = ErrorKind("attachment_skipped", _("Attachment %(name)s skipped: %(reason)s"))
PROFILE_NOT_APPLIED = ErrorKind("profile_not_applied", _("The profile was not applied: %(reason)s"))
X_FOLLOWED_ACCOUNTS_FOUND = ErrorKind(
    "x_followed_accounts_found",
    ngettext_lazy(
        "You followed %(followed)s account on X; %(named)s could be named from your tweets, and %(found)s "
        "were found on the fediverse.",
        "You followed %(followed)s accounts on X; %(named)s could be named from your tweets, and %(found)s "
        "were found on the fediverse.",
        "followed",
    ),
)
X_LIKES_NOT_IMPORTED = ErrorKind(
    "x_likes_not_imported",
    ngettext_lazy(
        "Your archive lists %(count)s liked tweet. Likes were not imported: the liked tweets are on X, not here "
        "(the list stays in your archive, in like.js).",
        "Your archive lists %(count)s liked tweets. Likes were not imported: the liked tweets are on X, not here "
        "(the list stays in your archive, in like.js).",
        "count",
    ),
)
NOT_AN_ACTIVITY = ErrorKind("not_an_activity", _("Not an activity; skipped."))
BOOST_NOT_IMPORTED = ErrorKind(
    "boost_not_imported", _("A boost of someone else's post; boosts are not imported.")
)
ACTIVITY_SKIPPED = ErrorKind("activity_skipped", _("%(type)s activity skipped."))
POST_WITHOUT_ID = ErrorKind("post_without_id", _("A post without an id; skipped."))
LIKES_PARTLY_APPLIED = ErrorKind(
    "likes_partly_applied",
    ngettext_lazy(
        "%(applied)s of %(total)s like re-applied; the others are posts this server does not know.",
        "%(applied)s of %(total)s likes re-applied; the others are posts this server does not know.",
        "total",
    ),
)
BOOKMARKS_PARTLY_APPLIED = ErrorKind(
    "bookmarks_partly_applied",
    ngettext_lazy(
        "%(applied)s of %(total)s bookmark re-applied; the others are posts this server does not know.",
        "%(applied)s of %(total)s bookmarks re-applied; the others are posts this server does not know.",
        "total",
    ),
)

# directory
DIRECTORY_NO_CLAIM = ErrorKind(
    "directory_no_claim", _("Import your own X archive first: there is no old X account to list."), 409
)
DIRECTORY_IDS_INVALID = ErrorKind(
    "directory_ids_invalid", _("Give a list of X account ids, each written in digits."), 400
)
DIRECTORY_TOO_MANY_IDS = ErrorKind(
    "directory_too_many_ids", _("Ask about at most %(limit)s ids at once."), 413
)
DIRECTORY_LOOKUPS_THROTTLED = ErrorKind(
    "directory_lookups_throttled", _("Too many directory lookups; try again in %(minutes)s minutes."), 429
)
DIRECTORY_MATCHES_FOUND = ErrorKind(
    "directory_matches_found",
    ngettext_lazy(
        "%(found)s account you followed on X was found in the directory of people who chose to be found.",
        "%(found)s accounts you followed on X were found in the directory of people who chose to be found.",
        "found",
    ),
)
DIRECTORY_MATCH_NOT_FOUND = ErrorKind("directory_match_not_found", _("No such match."), 404)
# campaigns
CAMPAIGN_TITLE_REQUIRED = ErrorKind("campaign_title_required", _("A campaign needs a title."))
CAMPAIGN_TITLE_TOO_LONG = ErrorKind(
    "campaign_title_too_long", _("Campaign titles are at most 120 characters.")
)
CAMPAIGN_DESCRIPTION_TOO_LONG = ErrorKind(
    "campaign_description_too_long", _("Campaign descriptions are at most 5000 characters.")
)
CAMPAIGN_TARGET_INVALID = ErrorKind(
    "campaign_target_invalid", _("The target is a whole number from 1 to 100,000,000.")
)
CAMPAIGN_DEADLINE_INVALID = ErrorKind(
    "campaign_deadline_invalid", _("The deadline is a date (YYYY-MM-DD) in the future.")
)
CAMPAIGN_LEVEL_UNKNOWN = ErrorKind(
    "campaign_level_unknown", _("Unknown level; choose one of will_move, moved, left.")
)
CAMPAIGN_NOT_OPEN = ErrorKind("campaign_not_open", _("This campaign is not open to join."))
CAMPAIGN_ACCOUNT_CANNOT_JOIN = ErrorKind(
    "campaign_account_cannot_join", _("A suspended or deleted account cannot join a campaign."), 403
)
CAMPAIGN_NOT_A_MEMBER = ErrorKind("campaign_not_a_member", _("You are not in this campaign."))
CAMPAIGN_ALREADY_DECIDED = ErrorKind("campaign_already_decided", _("This campaign is already open."))
CAMPAIGN_STARTER_NOT_LOCAL = ErrorKind(
    "campaign_starter_not_local", _("Only accounts of this server can be on a starter list.")
)
CAMPAIGN_STARTERS_FULL = ErrorKind("campaign_starters_full", _("A starter list holds at most 50 accounts."))
CAMPAIGN_ONLY_OWNER = ErrorKind("campaign_only_owner", _("Only the campaign's owner can do that."), 403)
CAMPAIGN_JOINS_TOO_FAST = ErrorKind(
    "campaign_joins_too_fast",
    ngettext_lazy(
        "Too many campaign changes lately. Try again in %(minutes)s minute.",
        "Too many campaign changes lately. Try again in %(minutes)s minutes.",
        "minutes",
    ),
    429,
)
# pacts
PACT_THRESHOLD_INVALID = ErrorKind(
    "pact_threshold_invalid",
    _("Choose how many commitments you wait for: a whole number from 1 to %(limit)s."),
)
PACT_THRESHOLD_TOO_HIGH = ErrorKind(
    "pact_threshold_too_high",
    ngettext_lazy(
        "Your pact counts %(members)s person; you cannot wait for more commitments than that.",
        "Your pact counts %(members)s people; you cannot wait for more commitments than that.",
        "count",
    ),
)
PACT_DEADLINE_INVALID = ErrorKind(
    "pact_deadline_invalid", _("The deadline must be in the future and at most %(days)s days away.")
)
PACT_PEOPLE_UNKNOWN = ErrorKind(
    "pact_people_unknown", _("Choose whose commitments count: matched people or a list.")
)
PACT_LIST_MISSING = ErrorKind("pact_list_missing", _("Choose one of your lists."))
PACT_NO_PEOPLE = ErrorKind(
    "pact_no_people",
    _("Nobody to count yet: import your X archive to find your people, or choose a list with people in it."),
)
PACT_TOO_MANY_PEOPLE = ErrorKind(
    "pact_too_many_people", _("A pact counts at most %(limit)s people; choose a smaller list.")
)
PACT_TOO_MANY_OPEN = ErrorKind(
    "pact_too_many_open",
    _("There are already %(limit)s open pacts of this person; wait until one is met or ends."),
    429,
)
PACT_CLOSED = ErrorKind("pact_closed", _("This pact is no longer open: it was met or it ended."), 409)
PACT_OWNER_CANNOT_COMMIT = ErrorKind(
    "pact_owner_cannot_commit", _("This is your own pact: your commitment is the pact itself."), 403
)
PACT_TOO_MANY_CHANGES = ErrorKind(
    "pact_too_many_changes",
    _("You have changed your choice %(limit)s times in this pact; it stays as it is."),
    429,
)
PACT_NOT_MET = ErrorKind("pact_not_met", _("Everyone follows each other once the pact is met."), 409)
PACT_NOT_COMMITTED = ErrorKind(
    "pact_not_committed", _("Only the people who committed follow each other when a pact is met."), 403
)

# scheduled posts
SCHEDULED_AT_INVALID = ErrorKind(
    "scheduled_at_invalid", _("Give the time to publish as a date and time, such as 2030-01-31T18:00:00Z.")
)
SCHEDULED_TOO_SOON = ErrorKind(
    "scheduled_too_soon", _("The scheduled date must be at least %(minutes)s minutes in the future.")
)
SCHEDULED_TOTAL_LIMIT = ErrorKind(
    "scheduled_total_limit", _("You have exceeded the limit of %(limit)s scheduled posts.")
)
SCHEDULED_DAILY_LIMIT = ErrorKind(
    "scheduled_daily_limit", _("You have exceeded the limit of %(limit)s scheduled posts for that day.")
)
SCHEDULED_AUTHOR_UNAVAILABLE = ErrorKind(
    "scheduled_author_unavailable", _("The account was suspended or closed when the post was due."), 403
)

# featured tags and endorsements
FEATURED_TAGS_LIMIT = ErrorKind("featured_tags_limit", _("You can feature at most %(limit)s hashtags."))
FEATURED_TAG_TAKEN = ErrorKind("featured_tag_taken", _("You already feature that hashtag."))
ENDORSE_NEEDS_FOLLOW = ErrorKind("endorse_needs_follow", _("You can only feature accounts you follow."))

# notification policies, media
NOTIFICATION_POLICY_INVALID = ErrorKind(
    "notification_policy_invalid", _("%(name)s must be one of: accept, filter, drop.")
)
FILTER_V1_SHARED = ErrorKind(
    "filter_v1_shared", _("This filter has several keywords: change it with the v2 filters API.")
)
MEDIA_IN_USE = ErrorKind("media_in_use", _("Media attachment is currently used by a status"))
# discovery: trends, suggestions, the profile directory, published texts, oEmbed, switched-off features
PUBLISHED_TEXT_TOO_LONG = ErrorKind(
    "published_text_too_long", _("A privacy policy or terms of service is at most %(limit)s characters.")
)
TERMS_DATE_INVALID = ErrorKind("terms_date_invalid", _("Give the date the terms take effect as YYYY-MM-DD."))
# Web Push subscriptions
PUSH_ENDPOINT_INVALID = ErrorKind(
    "push_endpoint_invalid",
    _("The push endpoint must be an http or https address on the public internet, at most 2048 characters."),
)
PUSH_KEYS_INVALID = ErrorKind(
    "push_keys_invalid",
    _(
        "The subscription keys are not valid: p256dh must be a P-256 public key and auth 16 bytes, in base64url."
    ),
)
PUSH_POLICY_UNKNOWN = ErrorKind(
    "push_policy_unknown", _("Unknown policy; choose one of all, followed, follower or none.")
)
# quote posts (publishing/quoting.py)
QUOTE_TARGET_UNAVAILABLE = ErrorKind(
    "quote_target_unavailable", _("The post you are quoting is not available."), 404
)
QUOTE_NOT_ALLOWED = ErrorKind(
    "quote_not_allowed", _("The author of this post does not allow you to quote it.")
)
QUOTE_PRIVATE_POST = ErrorKind(
    "quote_private_post", _("Followers-only and direct posts can only be quoted by their author.")
)
QUOTE_POLICY_INVALID = ErrorKind(
    "quote_policy_invalid", _("Choose who may quote: public, followers or nobody.")
)
QUOTE_NOT_YOURS = ErrorKind("quote_not_yours", _("Only the author of the quoted post can do this."), 403)

# Every kind by its code: stored reports name kinds by code.
BY_CODE: dict[str, ErrorKind] = {
    kind.code: kind for kind in list(globals().values()) if isinstance(kind, ErrorKind)
}
