"""The vote path, in one place.

A vote's way: gateway event -> the intake (our parsers of reaction adds, removes and clears) ->
the filter (an open poll of that server? an option emoji? not a bot? a voter?) -> the writer's
ordered queue -> the votes service (one statement per batch) -> the database. What the writer
reports after a commit goes to the remover (older reactions), the clear follow-up (the bot's
options back, the admins told) and the gateway brake (stop reading while the backlog is long).
"""
