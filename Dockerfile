# The bot in a slim image: knowledge base inside, non-root, polling by default,
# webhook mode when WEBHOOK_URL is set (listens on PORT, 8443 by default, on every interface of
# the container: outside it the default is 127.0.0.1). Publish that port only to a TLS reverse
# proxy, never bare to the internet.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    DATABASE_PATH=/app/data/bot.sqlite3 \
    PORT=8443 \
    LISTEN_ADDRESS=0.0.0.0

WORKDIR /app

RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home bot

# The runtime dependencies, exactly as tested: pinned and hash-checked from the lock (`make lock`
# writes it), in a layer of their own that a change to the bot's code does not rebuild.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements/runtime.txt

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# The bot itself on top, resolving nothing; pip check fails the build if the lock misses one of
# its dependencies.
RUN pip install --no-cache-dir --no-deps . \
    && pip check \
    && python -m bot check \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data

USER 10001:10001
VOLUME ["/app/data"]
EXPOSE 8443

CMD ["python", "-m", "bot", "run"]
