"""URLs of the federation face: discovery documents, actors, collections, objects, inboxes, and the admin's page
of the inbox queue."""

from django.urls import path

from caravan.federation import campaigns, directory, queue_pages, quotes, views

urlpatterns = [
    # The admin's page of set-aside inbox items (before the web face's /admin/<action> routes).
    path("admin/inbox", queue_pages.set_aside, name="admin_inbox"),
    path("admin/<str:action>_inbox_item", queue_pages.act, name="admin_inbox_item"),
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host_meta"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo_links"),
    path("nodeinfo/<str:version>", views.nodeinfo, name="nodeinfo"),
    path("directory/lookup", directory.lookup, name="directory_lookup"),
    path("actor", views.instance_actor, name="instance_actor"),
    path("actor/inbox", views.inbox, name="instance_inbox"),
    path("inbox", views.inbox, name="shared_inbox"),
    path("campaigns/<int:campaign_id>/starter_list", campaigns.starter_list, name="ap_campaign_starters"),
    path(
        "campaigns/<int:campaign_id>/starter_list/<int:account_id>/authorization",
        campaigns.starter_authorization,
        name="ap_campaign_starter_authorization",
    ),
    path("users/<str:username>", views.actor, name="ap_actor"),
    path("users/<str:username>/inbox", views.inbox_for_user, name="ap_inbox"),
    path("users/<str:username>/outbox", views.outbox, name="ap_outbox"),
    path("users/<str:username>/followers", views.followers, name="ap_followers"),
    path("users/<str:username>/following", views.following, name="ap_following"),
    path("users/<str:username>/collections/featured", views.featured, name="ap_featured"),
    path("users/<str:username>/collections/tags", views.featured_tag_collection, name="ap_featured_tags"),
    path("users/<str:username>/statuses/<int:post_id>", views.status, name="ap_status"),
    path(
        "users/<str:username>/quote_authorizations/<int:quote_id>",
        quotes.authorization,
        name="ap_quote_authorization",
    ),
    path(
        "users/<str:username>/statuses/<int:post_id>/activity",
        views.status_activity,
        name="ap_status_activity",
    ),
]
