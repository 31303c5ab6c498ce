"""Which roles the bot may hand out or trust, and who may pick them (pure).

The one list of permissions a role the bot gives (the champion role) must never carry:
every moderating or otherwise dangerous power. The bot gives that role to whoever ranks
first, so whoever can win a month would get what the role carries.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Discord permission bit -> the name an admin sees, for every permission a handed-out role
#: must not carry (server-wide on the role, or allowed to it in any channel).
DANGEROUS: dict[int, str] = {
    1 << 3: "Administrator",
    1 << 5: "Manage Server",
    1 << 28: "Manage Roles",
    1 << 4: "Manage Channels",
    1 << 13: "Manage Messages",
    1 << 29: "Manage Webhooks",
    1 << 1: "Kick Members",
    1 << 2: "Ban Members",
    1 << 40: "Timeout Members",
    1 << 17: "Mention @everyone, @here and All Roles",
    1 << 27: "Manage Nicknames",
    1 << 30: "Manage Expressions",
    1 << 33: "Manage Events",
    1 << 34: "Manage Threads",
    1 << 7: "View Audit Log",
    1 << 19: "View Server Insights",
    1 << 41: "View Creator Monetization Analytics",
    1 << 22: "Mute Members",
    1 << 23: "Deafen Members",
    1 << 24: "Move Members",
    1 << 51: "Pin Messages",
    1 << 52: "Bypass Slowmode",
}


def dangerous(permissions: int) -> list[str]:
    """Return the names of the dangerous permissions in a permission bit set, in list order."""
    return [name for bit, name in DANGEROUS.items() if permissions & bit]


def dangerous_role_problem(
    server_wide: int, channel_allows: Iterable[tuple[str, int]] = ()
) -> str | None:
    """Say why a role carrying these permissions must not be handed out, or None.

    `channel_allows` are (channel label, bits a channel overwrite allows the role).
    """
    names = dangerous(server_wide)
    if names:
        return f"that role carries {_listed(names)}, which the bot must never hand out"
    for label, allowed in channel_allows:
        names = dangerous(allowed)
        if names:
            return (
                f"that role is allowed {_listed(names)} in {label}, "
                "which the bot must never hand out"
            )
    return None


def setter_problem(*, is_owner: bool, manage_roles: bool, outranks: bool) -> str | None:
    """Say why a person may not pick the role the bot hands out, or None when they may.

    Like Discord's own rule for giving a role: Manage Roles and a highest role above it;
    the server owner is above every role.
    """
    if is_owner:
        return None
    if not manage_roles:
        return "you need Manage Roles to pick the role I hand out"
    if not outranks:
        return "your highest role must be above the role you pick"
    return None


def admin_role_problem(*, is_everyone: bool, managed: bool) -> str | None:
    """Say why a role can't be the bot's admin role, or None when it can."""
    if is_everyone:
        return (
            "@everyone can't be the admin role: it would make every member an admin; "
            "pick a role of its own"
        )
    if managed:
        return (
            "it is managed by an integration or a bot, which decides who holds it: "
            "pick a role your moderators give"
        )
    return None


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
