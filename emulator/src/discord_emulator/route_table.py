"""Every REST route the emulator serves: method, Discord's path template, handler.

One explicit table, in the order routes are matched (among the routes of a method whose
template matches a path, the one with the fewest parameters wins: ``/users/@me`` before
``/users/{user_id}``). A request no route matches is answered 404 (405 when the path is known
for another method) and recorded in ``Emulator.unknown_routes``.
"""

from __future__ import annotations

from . import routes as base
from . import routes_channels as channels
from . import routes_guilds as guilds
from . import routes_interactions as interactions
from . import routes_messages as messages
from . import routes_reactions as reactions
from .rest import Route

ROUTES: tuple[Route, ...] = (
    Route("GET", "/users/@me", base.get_me),
    Route("GET", "/users/{user_id}", base.get_user),
    Route("GET", "/oauth2/applications/@me", base.get_oauth_app),
    Route("GET", "/applications/@me", base.get_app),
    Route("GET", "/gateway", base.get_gateway, auth=False),
    Route("GET", "/gateway/bot", base.get_gateway_bot),
    Route("POST", "/users/@me/channels", base.create_dm),
    Route("GET", "/channels/{channel_id}", channels.get_channel_route),
    Route("PATCH", "/channels/{channel_id}", channels.patch_channel),
    Route("DELETE", "/channels/{channel_id}", channels.delete_channel),
    Route("POST", "/channels/{channel_id}/messages/{message_id}/threads", channels.start_thread),
    Route("POST", "/channels/{channel_id}/typing", channels.typing),
    Route("GET", "/guilds/{guild_id}", guilds.get_guild_route),
    Route("GET", "/guilds/{guild_id}/channels", guilds.guild_channels),
    Route("GET", "/guilds/{guild_id}/roles", guilds.guild_roles),
    Route("GET", "/guilds/{guild_id}/members/{user_id}", guilds.get_member),
    Route("GET", "/guilds/{guild_id}/members", guilds.list_members),
    Route("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", guilds.add_member_role),
    Route(
        "DELETE",
        "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
        guilds.remove_member_role,
    ),
    Route("GET", "/channels/{channel_id}/messages", messages.list_messages),
    Route("POST", "/channels/{channel_id}/messages", messages.create_message),
    Route("GET", "/channels/{channel_id}/messages/{message_id}", messages.get_message_route),
    Route("PATCH", "/channels/{channel_id}/messages/{message_id}", messages.edit_message_route),
    Route("DELETE", "/channels/{channel_id}/messages/{message_id}", messages.delete_message_route),
    Route("POST", "/channels/{channel_id}/messages/bulk-delete", messages.bulk_delete),
    Route("GET", "/applications/{application_id}/commands", interactions.list_commands),
    Route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        interactions.list_commands,
    ),
    Route("PUT", "/applications/{application_id}/commands", interactions.bulk_overwrite),
    Route(
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        interactions.bulk_overwrite,
    ),
    Route("POST", "/applications/{application_id}/commands", interactions.create_command),
    Route(
        "POST",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        interactions.create_command,
    ),
    Route("GET", "/applications/{application_id}/commands/{command_id}", interactions.get_command),
    Route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
        interactions.get_command,
    ),
    Route(
        "PATCH",
        "/applications/{application_id}/commands/{command_id}",
        interactions.edit_command,
    ),
    Route(
        "PATCH",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
        interactions.edit_command,
    ),
    Route(
        "DELETE",
        "/applications/{application_id}/commands/{command_id}",
        interactions.delete_command,
    ),
    Route(
        "DELETE",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
        interactions.delete_command,
    ),
    Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interactions.interaction_callback,
        auth=False,
    ),
    Route("POST", "/webhooks/{webhook_id}/{webhook_token}", interactions.followup, auth=False),
    Route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        interactions.get_webhook_message,
        auth=False,
    ),
    Route(
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        interactions.get_webhook_message,
        auth=False,
    ),
    Route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        interactions.edit_webhook_message,
        auth=False,
    ),
    Route(
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        interactions.edit_webhook_message,
        auth=False,
    ),
    Route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        interactions.delete_webhook_message,
        auth=False,
    ),
    Route(
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        interactions.delete_webhook_message,
        auth=False,
    ),
    Route(
        "PUT",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        reactions.add_own_reaction,
    ),
    Route(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        reactions.remove_own_reaction,
    ),
    Route(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}",
        reactions.remove_user_reaction,
    ),
    Route(
        "GET",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
        reactions.list_reaction_users,
    ),
    Route(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}",
        reactions.clear_emoji,
    ),
    Route(
        "DELETE",
        "/channels/{channel_id}/messages/{message_id}/reactions",
        reactions.clear_reactions,
    ),
)
