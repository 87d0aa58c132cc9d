"""django-oauth-toolkit, bent to Mastodon's rules: every app may use both the authorization-code and the
client-credentials grants, and an app's default scopes are the ones it registered with.
"""

from oauth2_provider.oauth2_validators import OAuth2Validator

from caravan.api.scopes import expand


class MastodonOAuth2Validator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        return grant_type in ("authorization_code", "client_credentials", "refresh_token")

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        profile = getattr(request.client, "profile", None)
        return profile.scopes.split() if profile is not None else ["read"]

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        # A token may ask for any scope the app registered, or a granular part of one.
        profile = getattr(client, "profile", None)
        allowed = expand(profile.scopes.split() if profile is not None else ["read"])
        return set(scopes) <= allowed
