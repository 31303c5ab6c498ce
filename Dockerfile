# Called It: the bot, ready for PostgreSQL (README, "Running at scale"). Not built in CI: no
# container engine is reachable where the project is tested; the commands are the tests' own.
FROM python:3.11-slim

WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY db ./db
COPY seeds ./seeds
RUN pip install -e '.[postgres]' \
    && useradd --system --home /app calledit \
    && mkdir -p /app/data && chown calledit /app/data
USER calledit

# SQLite by default (a volume at /app/data); compose.yaml points it at PostgreSQL.
VOLUME /app/data
CMD ["python", "-m", "bot", "run"]
