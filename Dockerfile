# Called It: the bot, ready for PostgreSQL (docs/operators.md, "Containers"). Not built in CI: no container
# engine is reachable where the project is tested; tests/cli/test_container.py checks this file
# statically and tests/cli/test_wheel_install.py builds and runs the same install from the same
# COPY lines.
FROM python:3.11-slim

# libfribidi0: Pillow's wheel bundles libraqm (right-to-left and joined scripts on the cards)
# but loads FriBiDi from the system; without it the cards fall back to basic left-to-right
# layout. (Debian's libraqm0 would pull it in too, but Pillow never loads that copy.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfribidi0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
# Only what the wheel is built from (.dockerignore lets nothing else in: no .env, no .venv).
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY db /src/db
COPY seeds /src/seeds
# The local Discord `calledit demo` plays against: its own distribution, a dependency.
COPY emulator /src/emulator
# A plain (non-editable) install of both wheels, as from PyPI: the default predictions are
# package data.
RUN pip install /src/emulator '/src[postgres]' \
    && rm -rf /src \
    && useradd --system --uid 10001 --home-dir /app --no-create-home calledit \
    && mkdir -p /app/data \
    && chown calledit /app/data

WORKDIR /app
USER calledit
# SQLite by default (DATABASE_URL's ./data/ is this volume); compose.yaml points it at PostgreSQL.
VOLUME /app/data

# Without WEB_PORT there is no HTTP endpoint to probe. `calledit check` (about 0.7 s of CPU)
# reads the settings and the schema revision over one database connection and never contacts
# Discord: it turns unhealthy when the database is unreachable. With WEB_PORT set, probe
# /readyz instead (shards connected, database answering), as compose.yaml does with python's
# urllib (no curl needed). A dead bot process needs no probe: it is the container's main
# process, so the container exits and its restart policy applies.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 CMD ["calledit", "check"]

# Exec form: python gets SIGTERM itself (`docker stop`). Run with an init (compose's
# `init: true`, `docker run --init`) so python is not PID 1 and zombies are reaped.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
