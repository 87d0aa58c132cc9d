"""URLs of the Mastodon client API, OAuth and streaming; every route also answers with a trailing slash."""

import re

from django.urls import URLResolver, re_path

from caravan.api import oauth
from caravan.api.http import route
from caravan.api.streaming import endpoints as streaming
from caravan.api.views import (
    accounts,
    admin,
    campaigns,
    directory,
    discovery,
    domain_blocks,
    featured,
    filters,
    instance,
    links,
    lists,
    media,
    notifications,
    pacts,
    profile,
    push,
    scheduled,
    search,
    social,
    statuses,
    switched_off,
)
from caravan.api.views import timelines as tl

PLACEHOLDER = re.compile(r"<(\w+)>")


def r(pattern: str, view, **kwargs):
    """A route whose `<name>` placeholders each match one path segment, passed to the view as `name`
    (`<id>` as `object_id`)."""

    def group(match: re.Match) -> str:
        name = "object_id" if match[1] == "id" else match[1]
        return rf"(?P<{name}>[^/]+)"

    return re_path(rf"^{PLACEHOLDER.sub(group, pattern)}/?$", view, **kwargs)


A = "api/v1/accounts"
S = "api/v1/statuses"

# What every path below starts with. The root URLconf only tries this module for such paths: trying its two
# hundred routes for every web page cost a millisecond (Django builds the list of routes it tried, for a debug
# 404 page). tests/api/test_url_prefixes.py checks each route here is reached through the root.
PREFIXES = ("api/", "oauth/", r"\.well-known/oauth-authorization-server", "avatars/", "headers/", "health")
PREFIX_LOOKAHEAD = rf"^(?=(?:{'|'.join(PREFIXES)}))"
KEY_SEGMENTS = 3  # routes are grouped by the first path segments they spell out, at most this many


def _literal_key(source: str) -> tuple[str, ...]:
    """The whole path segments every path a route's regex matches starts with ("api", "v1", "statuses"), at
    most KEY_SEGMENTS of them; () when the regex is not anchored or starts with something other than text."""
    if not source.startswith("^"):
        return ()
    body = source[1:]
    end = next((i for i, char in enumerate(body) if char in "()[]?*+{}\\$.|^"), len(body))
    literal, rest = body[:end], body[end:]
    if rest[:1] in ("?", "*", "{") and literal:  # the quantifier makes the last character optional
        literal, rest = literal[:-1], literal[-1] + rest
    segments = literal.split("/")
    if rest not in ("", "$", "/?$"):
        segments = segments[:-1]  # the last one goes on past the text (a placeholder) or is empty
    return tuple(segment for segment in segments if segment)[:KEY_SEGMENTS]


class RoutesByPrefix(URLResolver):
    """The routes of this module, each path trying only the routes whose leading segments it shares.

    Django tries a URLconf's routes one by one: about a hundred regexes before `/api/v1/statuses`, two
    hundred before the last ones (~0.1 ms a request). Here the routes are grouped by the whole segments their
    regex starts with (`_literal_key`); a path tries, in their order, the routes whose group is a start of
    its own segments (the ones starting with no text too), through a resolver of just those, so the match and
    the 404s are Django's own. tests/api/test_url_prefixes.py checks every route is still reached."""

    def __init__(self, pattern, urlconf_name) -> None:
        super().__init__(pattern, urlconf_name)
        self._groups: dict[tuple[str, ...], list[int]] | None = None
        self._narrowed: dict[tuple[tuple[str, ...], ...], URLResolver] = {}

    def _narrow(self, path: str) -> URLResolver:
        if self._groups is None:
            groups: dict[tuple[str, ...], list[int]] = {}
            for position, route in enumerate(self.url_patterns):
                groups.setdefault(_literal_key(route.pattern.regex.pattern), []).append(position)
            self._groups = groups
        segments = tuple(path.split("/", KEY_SEGMENTS)[:KEY_SEGMENTS])
        keys = tuple(key for key in (segments[:n] for n in range(KEY_SEGMENTS + 1)) if key in self._groups)
        narrowed = self._narrowed.get(keys)
        if narrowed is None:  # at most one per combination of the module's groups: a bounded cache
            positions = sorted(position for key in keys for position in self._groups[key])
            routes = self.url_patterns
            narrowed = URLResolver(self.pattern, [routes[position] for position in positions])
            self._narrowed[keys] = narrowed
        return narrowed

    def resolve(self, path):
        match = self.pattern.match(str(path))
        if not match:
            return super().resolve(path)  # Django's own answer for a path outside the prefixes
        return self._narrow(match[0]).resolve(path)


urlpatterns = [
    # Caravan's own: campaigns (docs/caravan-api/campaigns.md)
    r("api/v1/caravan/campaigns", route(GET=campaigns.index, POST=campaigns.create)),
    r("api/v1/caravan/campaigns/<id>", route(GET=campaigns.get)),
    r("api/v1/caravan/campaigns/<id>/counts", route(GET=campaigns.counts)),
    r("api/v1/caravan/campaigns/<id>/join", route(POST=campaigns.join)),
    r("api/v1/caravan/campaigns/<id>/leave", route(POST=campaigns.leave)),
    r("api/v1/caravan/campaigns/<id>/starters", route(GET=campaigns.starters, POST=campaigns.add_starter)),
    r("api/v1/caravan/campaigns/<id>/starters/answer", route(POST=campaigns.answer_starter)),
    # OAuth and apps
    r("api/v1/apps", route(POST=oauth.create_app)),
    r("api/v1/apps/verify_credentials", route(GET=oauth.verify_app)),
    r("oauth/authorize", oauth.authorize),
    r("oauth/token", oauth.token),
    r("oauth/revoke", oauth.revoke),
    r(r"\.well-known/oauth-authorization-server", oauth.server_metadata),
    r("avatars/original/missing.png", lambda request: oauth.default_image("avatar")),
    r("headers/original/missing.png", lambda request: oauth.default_image("header")),
    # instance
    r(
        "api/v1/caravan/directory",
        route(GET=directory.show, PATCH=directory.change, PUT=directory.change, DELETE=directory.withdraw),
    ),
    r("api/v1/caravan/directory/matches", route(GET=directory.matches)),
    r("api/v1/caravan/directory/matches/follow", route(POST=directory.follow)),
    r("api/v1/instance", route(GET=instance.instance_v1)),
    r("api/v2/instance", route(GET=instance.instance_v2)),
    r("api/v1/instance/peers", route(GET=instance.peers)),
    r("api/v1/instance/activity", route(GET=instance.activity)),
    r("api/v1/instance/rules", route(GET=instance.rules)),
    r("api/v1/instance/domain_blocks", route(GET=domain_blocks.public_list)),
    r(
        "api/v1/admin/domain_blocks",
        route(GET=domain_blocks.admin_list, POST=domain_blocks.admin_create),
    ),
    r(
        "api/v1/admin/domain_blocks/<id>",
        route(GET=domain_blocks.admin_get, PUT=domain_blocks.admin_update, DELETE=domain_blocks.admin_delete),
    ),
    # the admin API: reports and accounts (moderators only)
    r("api/v1/admin/reports", route(GET=admin.reports_list)),
    r("api/v1/admin/reports/<id>", route(GET=admin.report_get, PUT=admin.report_update)),
    r("api/v1/admin/reports/<id>/assign_to_self", route(POST=admin.report_assign_to_self)),
    r("api/v1/admin/reports/<id>/unassign", route(POST=admin.report_unassign)),
    r("api/v1/admin/reports/<id>/resolve", route(POST=admin.report_resolve)),
    r("api/v1/admin/reports/<id>/reopen", route(POST=admin.report_reopen)),
    r("api/v1/admin/accounts", route(GET=admin.accounts_v1)),
    r("api/v2/admin/accounts", route(GET=admin.accounts_v2)),
    r("api/v1/admin/accounts/<id>", route(GET=admin.account_get, DELETE=admin.account_delete)),
    r("api/v1/admin/accounts/<id>/action", route(POST=admin.account_action)),
    r("api/v1/admin/accounts/<id>/approve", route(POST=admin.account_approve)),
    r("api/v1/admin/accounts/<id>/reject", route(POST=admin.account_reject)),
    r("api/v1/admin/accounts/<id>/enable", route(POST=admin.account_enable)),
    r("api/v1/admin/accounts/<id>/unsilence", route(POST=admin.account_unsilence)),
    r("api/v1/admin/accounts/<id>/unsuspend", route(POST=admin.account_unsuspend)),
    r("api/v1/admin/accounts/<id>/unsensitive", route(POST=admin.account_unsensitive)),
    r("api/v1/instance/extended_description", route(GET=instance.extended_description)),
    r("api/v1/instance/translation_languages", route(GET=instance.empty_object)),
    r("api/v1/custom_emojis", route(GET=instance.empty)),
    r("api/v1/announcements", route(GET=instance.empty)),
    r("api/v1/trends", route(GET=discovery.trending_tags)),
    r("api/v1/trends/tags", route(GET=discovery.trending_tags)),
    r("api/v1/trends/statuses", route(GET=discovery.trending_statuses)),
    r("api/v1/trends/links", route(GET=links.trending_links)),
    r("api/v1/preferences", route(GET=instance.preferences)),
    r("api/v1/directory", route(GET=discovery.directory)),
    r("api/v1/endorsements", route(GET=featured.own_endorsements)),
    r("api/v1/featured_tags", route(GET=featured.own_featured_tags, POST=featured.feature_tag)),
    r("api/v1/featured_tags/suggestions", route(GET=featured.suggestions)),
    r("api/v1/featured_tags/<id>", route(DELETE=featured.unfeature_tag)),
    r(
        "api/v1/push/subscription",
        route(
            GET=push.get_subscription,
            POST=push.subscribe,
            PUT=push.update_subscription,
            DELETE=push.unsubscribe,
        ),
    ),
    r("api/v1/scheduled_statuses", route(GET=scheduled.list_scheduled)),
    r(
        "api/v1/scheduled_statuses/<id>",
        route(
            GET=scheduled.get_scheduled,
            PUT=scheduled.update_scheduled,
            DELETE=scheduled.cancel_scheduled,
        ),
    ),
    # accounts
    r(A, route(POST=oauth.register, GET=accounts.get_accounts)),
    r(f"{A}/verify_credentials", route(GET=accounts.verify_credentials)),
    r(
        f"{A}/update_credentials",
        route(
            PATCH=accounts.update_credentials,
            PUT=accounts.update_credentials,
            POST=accounts.update_credentials,
        ),
    ),
    r(f"{A}/lookup", route(GET=accounts.lookup)),
    r(f"{A}/relationships", route(GET=accounts.get_relationships)),
    r(f"{A}/familiar_followers", route(GET=accounts.familiar_followers)),
    r(f"{A}/search", route(GET=accounts.search)),
    r(f"{A}/<account_id>", route(GET=accounts.get_account)),
    r(f"{A}/<account_id>/statuses", route(GET=accounts.statuses)),
    r(f"{A}/<account_id>/followers", route(GET=accounts.followers)),
    r(f"{A}/<account_id>/following", route(GET=accounts.following)),
    r(f"{A}/<account_id>/follow", route(POST=accounts.follow)),
    r(f"{A}/<account_id>/unfollow", route(POST=accounts.unfollow)),
    r(f"{A}/<account_id>/remove_from_followers", route(POST=accounts.remove_from_followers)),
    r(f"{A}/<account_id>/block", route(POST=accounts.block)),
    r(f"{A}/<account_id>/unblock", route(POST=accounts.unblock)),
    r(f"{A}/<account_id>/mute", route(POST=accounts.mute)),
    r(f"{A}/<account_id>/unmute", route(POST=accounts.unmute)),
    r(f"{A}/<account_id>/note", route(POST=accounts.note)),
    r(f"{A}/<account_id>/featured_tags", route(GET=featured.account_featured_tags)),
    r(f"{A}/<account_id>/pin", route(POST=featured.pin)),
    r(f"{A}/<account_id>/unpin", route(POST=featured.unpin)),
    r(f"{A}/<account_id>/endorse", route(POST=featured.pin)),
    r(f"{A}/<account_id>/unendorse", route(POST=featured.unpin)),
    r(f"{A}/<account_id>/lists", route(GET=accounts.lists_of)),
    r(f"{A}/<account_id>/identity_proofs", route(GET=accounts.empty_list)),
    r(f"{A}/<account_id>/endorsements", route(GET=featured.account_endorsements)),
    # statuses and polls
    r(S, route(POST=statuses.create, GET=statuses.get_many)),
    r(f"{S}/<status_id>", route(GET=statuses.get, PUT=statuses.edit, DELETE=statuses.delete)),
    r(f"{S}/<status_id>/context", route(GET=statuses.context)),
    r(f"{S}/<status_id>/history", route(GET=statuses.history)),
    r(f"{S}/<status_id>/source", route(GET=statuses.source)),
    r(f"{S}/<status_id>/reblog", route(POST=statuses.reblog)),
    r(f"{S}/<status_id>/unreblog", route(POST=statuses.unreblog)),
    r(f"{S}/<status_id>/favourite", route(POST=statuses.favourite)),
    r(f"{S}/<status_id>/unfavourite", route(POST=statuses.unfavourite)),
    r(f"{S}/<status_id>/bookmark", route(POST=statuses.bookmark)),
    r(f"{S}/<status_id>/unbookmark", route(POST=statuses.unbookmark)),
    r(f"{S}/<status_id>/mute", route(POST=statuses.mute)),
    r(f"{S}/<status_id>/unmute", route(POST=statuses.unmute)),
    r(f"{S}/<status_id>/pin", route(POST=statuses.pin)),
    r(f"{S}/<status_id>/unpin", route(POST=statuses.unpin)),
    r(f"{S}/<status_id>/reblogged_by", route(GET=statuses.reblogged_by)),
    r(f"{S}/<status_id>/favourited_by", route(GET=statuses.favourited_by)),
    # quote posts (Mastodon 4.5)
    r(f"{S}/<status_id>/interaction_policy", route(PUT=statuses.interaction_policy)),
    r(f"{S}/<status_id>/quotes", route(GET=statuses.quotes)),
    r(f"{S}/<status_id>/quotes/<quoting_status_id>/revoke", route(POST=statuses.revoke_quote)),
    r("api/v1/polls/<poll_id>", route(GET=statuses.get_poll)),
    r("api/v1/polls/<poll_id>/votes", route(POST=statuses.vote)),
    # media
    r("api/v1/media", route(POST=media.upload)),
    r("api/v2/media", route(POST=media.upload)),
    r("api/v1/media/<media_id>", route(GET=media.get, PUT=media.update, DELETE=media.delete)),
    # timelines
    r("api/v1/timelines/home", route(GET=tl.home)),
    r("api/v1/timelines/public", route(GET=tl.public)),
    r("api/v1/timelines/tag/<hashtag>", route(GET=tl.tag)),
    r("api/v1/timelines/list/<list_id>", route(GET=tl.list_)),
    r("api/v1/timelines/link", route(GET=links.link_timeline)),
    r("api/v1/bookmarks", route(GET=tl.bookmarks)),
    r("api/v1/favourites", route(GET=tl.favourites)),
    r("api/v1/timelines/direct", route(GET=tl.direct)),
    r("api/v1/conversations", route(GET=tl.conversations)),
    r("api/v1/conversations/<conversation_id>", route(DELETE=tl.delete_conversation)),
    r("api/v1/conversations/<conversation_id>/read", route(POST=tl.read_conversation)),
    # notifications and markers
    r("api/v1/notifications", route(GET=notifications.list_)),
    r("api/v1/notifications/clear", route(POST=notifications.clear)),
    r("api/v1/notifications/unread_count", route(GET=notifications.count_unread)),
    r("api/v1/notifications/requests", route(GET=notifications.requests)),
    r("api/v1/notifications/requests/accept", route(POST=notifications.accept_requests)),
    r("api/v1/notifications/requests/dismiss", route(POST=notifications.dismiss_requests)),
    r("api/v1/notifications/requests/merged", route(GET=notifications.requests_merged)),
    r("api/v1/notifications/requests/<request_id>", route(GET=notifications.get_request)),
    r("api/v1/notifications/requests/<request_id>/accept", route(POST=notifications.accept_request)),
    r("api/v1/notifications/requests/<request_id>/dismiss", route(POST=notifications.dismiss_request)),
    r("api/v1/notifications/<notification_id>", route(GET=notifications.get)),
    r("api/v1/notifications/<notification_id>/dismiss", route(POST=notifications.dismiss)),
    r("api/v2/notifications", route(GET=notifications.grouped)),
    r("api/v2/notifications/unread_count", route(GET=notifications.unread_count_v2)),
    r("api/v2/notifications/policy", route(GET=notifications.get_policy, PATCH=notifications.update_policy)),
    r("api/v2/notifications/<group_key>", route(GET=notifications.get_group)),
    r("api/v2/notifications/<group_key>/accounts", route(GET=notifications.group_accounts)),
    r("api/v2/notifications/<group_key>/dismiss", route(POST=notifications.dismiss_group)),
    r("api/v1/markers", route(GET=notifications.get_markers, POST=notifications.save_markers)),
    # pacts (Caravan's own; docs/caravan-api/pacts.md)
    r("api/v1/caravan/pacts", route(GET=pacts.mine, POST=pacts.create)),
    r("api/v1/caravan/pacts/counting", route(GET=pacts.counting)),
    r("api/v1/caravan/pacts/<pact_id>", route(GET=pacts.get)),
    r("api/v1/caravan/pacts/<pact_id>/commit", route(POST=pacts.commit)),
    r("api/v1/caravan/pacts/<pact_id>/withdraw", route(POST=pacts.withdraw)),
    r("api/v1/caravan/pacts/<pact_id>/follow_everyone", route(POST=pacts.follow_everyone)),
    # lists
    r("api/v1/lists", route(GET=lists.index, POST=lists.create)),
    r("api/v1/lists/<list_id>", route(GET=lists.get, PUT=lists.update, DELETE=lists.delete)),
    r(
        "api/v1/lists/<list_id>/accounts",
        route(GET=lists.members, POST=lists.add_members, DELETE=lists.remove_members),
    ),
    # filters
    r("api/v1/filters", route(GET=filters.v1_index, POST=filters.v1_create)),
    r(
        "api/v1/filters/<filter_id>",
        route(GET=filters.v1_get, PUT=filters.v1_update, DELETE=filters.v1_delete),
    ),
    r("api/v2/filters", route(GET=filters.index, POST=filters.create)),
    r(
        "api/v2/filters/keywords/<keyword_id>",
        route(GET=filters.get_keyword, PUT=filters.update_keyword, DELETE=filters.delete_keyword),
    ),
    r(
        "api/v2/filters/statuses/<status_filter_id>",
        route(GET=filters.get_status, DELETE=filters.delete_status),
    ),
    r("api/v2/filters/<filter_id>", route(GET=filters.get, PUT=filters.update, DELETE=filters.delete)),
    r("api/v2/filters/<filter_id>/keywords", route(GET=filters.keywords, POST=filters.add_keyword)),
    r("api/v2/filters/<filter_id>/statuses", route(GET=filters.statuses, POST=filters.add_status)),
    # search
    r("api/v2/search", route(GET=search.search_v2)),
    # relationships, tags, reports, suggestions
    r("api/v1/follow_requests", route(GET=social.follow_requests)),
    r("api/v1/follow_requests/<account_id>/authorize", route(POST=social.authorize_request)),
    r("api/v1/follow_requests/<account_id>/reject", route(POST=social.reject_request)),
    r("api/v1/blocks", route(GET=social.blocks)),
    r("api/v1/mutes", route(GET=social.mutes)),
    r(
        "api/v1/domain_blocks",
        route(GET=social.domain_blocks, POST=social.block_domain, DELETE=social.unblock_domain),
    ),
    r("api/v1/followed_tags", route(GET=social.followed_tags)),
    r("api/v1/tags/<name>", route(GET=social.get_tag)),
    r("api/v1/tags/<name>/follow", route(POST=social.follow_tag)),
    r("api/v1/tags/<name>/unfollow", route(POST=social.unfollow_tag)),
    r("api/v1/tags/<name>/feature", route(POST=featured.feature_named_tag)),
    r("api/v1/tags/<name>/unfeature", route(POST=featured.unfeature_named_tag)),
    r("api/v1/reports", route(POST=social.report)),
    r("api/v1/suggestions", route(GET=discovery.suggestions)),
    r("api/v2/suggestions", route(GET=discovery.suggestions)),
    r("api/v1/suggestions/<account_id>", route(DELETE=discovery.remove_suggestion)),
    r("api/v1/emails/confirmations", route(POST=instance.resend_confirmation)),
    # discovery and the rest of Mastodon's operations (docs/mastodon-api/trends-and-discovery.md; the ones
    # answered as switched off are listed in docs/mastodon-api/README.md)
    r("api/v1/instance/privacy_policy", route(GET=instance.privacy_policy)),
    r("api/v1/instance/terms_of_service", route(GET=instance.terms_of_service)),
    r("api/v1/instance/terms_of_service/<date>", route(GET=instance.terms_of_service)),
    r("api/oembed", route(GET=discovery.oembed)),
    r("oauth/userinfo", route(GET=profile.userinfo, POST=profile.userinfo)),
    r("api/v1/profile", route(GET=profile.get_profile, PATCH=profile.update_profile)),
    r("api/v1/profile/avatar", route(DELETE=profile.delete_avatar)),
    r("api/v1/profile/header", route(DELETE=profile.delete_header)),
    r("api/v1/announcements/<id>/dismiss", route(POST=switched_off.announcement_not_found)),
    r(
        "api/v1/announcements/<id>/reactions/<name>",
        route(
            PUT=switched_off.announcement_reaction_not_found,
            DELETE=switched_off.announcement_reaction_not_found,
        ),
    ),
    r("api/v1/annual_reports", route(GET=switched_off.annual_reports)),
    r("api/v1/annual_reports/<year>", route(GET=switched_off.annual_report)),
    r("api/v1/annual_reports/<year>/state", route(GET=switched_off.annual_report_state)),
    r("api/v1/annual_reports/<year>/generate", route(POST=switched_off.annual_report_not_found)),
    r("api/v1/annual_reports/<year>/read", route(POST=switched_off.annual_report_not_found)),
    r(f"{A}/<account_id>/collections", route(GET=switched_off.collections_read)),
    r(f"{A}/<account_id>/in_collections", route(GET=switched_off.collections_read)),
    r("api/v1/collections", route(POST=switched_off.collections_write)),
    r(
        "api/v1/collections/<id>",
        route(
            GET=switched_off.collections_read,
            PATCH=switched_off.collections_write,
            DELETE=switched_off.collections_write,
        ),
    ),
    r("api/v1/collections/<id>/items", route(POST=switched_off.collections_write)),
    r("api/v1/collections/<id>/items/<name>", route(DELETE=switched_off.collections_write)),
    r("api/v1/collections/<id>/items/<name>/revoke", route(POST=switched_off.collections_write)),
    r(f"{S}/<status_id>/translate", route(POST=switched_off.translate)),
    r("api/v1_alpha/async_refreshes/<refresh_id>", route(GET=switched_off.async_refresh)),
    # streaming
    r("api/v1/streaming/health", streaming.health),
    re_path(r"^api/v1/streaming/(?P<stream>[a-z:/]+?)/?$", streaming.sse),
    r("health", streaming.health),  # Mastodon's health check for monitors and load balancers
    # Anything else under /api/ or /oauth/ is a JSON 404, never an HTML page (masto.js cannot parse one).
    re_path(r"^(?:api|oauth)/", instance.not_found),
]
