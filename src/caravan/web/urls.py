"""URLs of the HTML pages, and /static/ for the one-box default (served from the apps' static folders)."""

from django.contrib.staticfiles.views import serve as serve_static
from django.urls import path, re_path

from caravan.web.views import (
    accounts,
    admin,
    appeals,
    auth,
    domain_policies,
    me,
    moderation,
    posts,
    reports,
    search,
    timelines,
)

ACCT = r"@(?P<acct>[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)"

urlpatterns = [
    path("", timelines.index, name="index"),
    path("about", timelines.about, name="about"),
    path("auth/sign_up", auth.sign_up, name="sign_up"),
    path("auth/sign_in", auth.sign_in, name="sign_in"),
    path("auth/sign_out", auth.sign_out, name="sign_out"),
    path("home", timelines.home, name="home"),
    path("public", timelines.public, name="public"),
    path("public/local", timelines.public, {"local": True}, name="public_local"),
    path("tags/<str:name>", timelines.tag, name="tag"),
    path("tags/<str:name>/<str:action>", timelines.follow_tag, name="follow_tag"),
    path("search", search.search_page, name="search"),
    path("notifications", me.notifications, name="notifications"),
    path("bookmarks", me.bookmarks, name="bookmarks"),
    path("favourites", me.favourites, name="favourites"),
    path("follow_requests", accounts.follow_requests, name="follow_requests"),
    path(
        "follow_requests/<int:account_id>/<str:answer>",
        accounts.answer_follow_request,
        name="answer_follow_request",
    ),
    path("settings/profile", me.profile_settings, name="settings_profile"),
    path("settings/preferences", me.preferences, name="settings_preferences"),
    path("settings/delete", me.delete_account_page, name="settings_delete"),
    path("admin", admin.dashboard, name="admin"),
    path("admin/domains", domain_policies.page, name="admin_domains"),
    path("admin/domains/export.csv", domain_policies.export_csv, name="admin_domains_export"),
    path("admin/domains/import", domain_policies.import_csv, name="admin_domains_import"),
    path("admin/domains/<int:policy_id>", domain_policies.edit, name="admin_domain"),
    path("admin/domains/<int:policy_id>/remove", domain_policies.remove, name="admin_domain_remove"),
    path("admin/<str:action>", admin.act, name="admin_action"),
    path("notices/<int:action_id>", moderation.notice, name="notice"),
    path("notices/<int:action_id>/appeal", appeals.appeal, name="appeal"),
    path("notices/<int:action_id>/appeal/messages", appeals.message, name="appeal_message"),
    path("notices/<int:action_id>/appeal/decision", appeals.decide, name="appeal_decision"),
    path("moderation/appeals", appeals.open_list, name="moderation_appeals"),
    path("moderation/reports", moderation.reports, name="moderation_reports"),
    path("moderation/reports/<int:report_id>", moderation.report, name="moderation_report"),
    path(
        "moderation/reports/<int:report_id>/<str:step>", moderation.report_act, name="moderation_report_act"
    ),
    path("moderation/actions/<int:action_id>/lift", moderation.lift, name="moderation_lift"),
    path("compose", posts.compose, name="compose"),
    path("report/<int:account_id>", reports.report, name="report"),
    path("posts/<int:post_id>/<str:action>", posts.act, name="post_action"),
    path("accounts/<int:account_id>/<str:action>", accounts.act, name="account_action"),
    re_path(rf"^{ACCT}$", accounts.profile, name="profile"),
    re_path(rf"^{ACCT}/(?P<tab>with_replies|media)$", accounts.profile, name="profile_tab"),
    re_path(rf"^{ACCT}/(?P<direction>followers|following)$", accounts.follow_list, name="follow_list"),
    re_path(rf"^{ACCT}/(?P<post_id>[0-9]+)$", posts.thread, name="thread"),
    re_path(rf"^{ACCT}/(?P<post_id>[0-9]+)/history$", posts.history, name="history"),
    re_path(rf"^{ACCT}/(?P<post_id>[0-9]+)/edit$", posts.edit, name="edit"),
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
]
