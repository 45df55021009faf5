# syntax=docker/dockerfile:1
# AniMOV's headless server (`animov serve`): a central that collects the
# farms' barn PCs, or an engine for a LAN without a desktop. README: "Container".
#   docker build -t animov --build-arg ANIMOV_COMMIT="$(git rev-parse HEAD)" .
#   docker compose up -d          # with MariaDB: compose.yaml
# Settings come from the environment (ANIMOV__<SECTION>__<KEY>, see
# `animov --help`) or /var/lib/animov/animov.toml; secrets from files
# (ANIMOV_MYSQL_PASSWORD_FILE=/run/secrets/...).

ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm
ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim

# --- build: the server tarball (scripts/package.sh --server), unpacked ---
FROM ${RUST_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
# The one install recipe (build tools, GStreamer headers, Node.js for the
# bundled ECharts, the wasm32 target, ONNX Runtime from its PyPI wheel), in
# a layer of its own so that a source change does not redo it.
COPY scripts/setup.sh scripts/onnxruntime.sh scripts/
RUN bash scripts/setup.sh run && rm -rf /var/lib/apt/lists/*
COPY . .
# The commit `animov --version` and /api/v1/version report (the context has
# no .git); the build date follows SOURCE_DATE_EPOCH when given.
ARG ANIMOV_COMMIT=unknown
ARG SOURCE_DATE_EPOCH
ENV CARGO_TARGET_DIR=/src/target
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    ANIMOV_COMMIT="$ANIMOV_COMMIT" bash scripts/package.sh --server --out /out \
    && mkdir -p /opt/animov \
    && tar -xzf /out/animov-server-*.tar.gz -C /opt/animov --strip-components=1

# --- runtime: Debian slim, the libraries the tarball lists, a system user ---
FROM ${DEBIAN_IMAGE} AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=build /opt/animov/share/animov/DEPENDS /tmp/DEPENDS
# Versions are Debian 12's (with its security updates), as the .deb's Depends.
RUN apt-get update \
    && xargs -a /tmp/DEPENDS apt-get install -y --no-install-recommends \
    && rm -rf /var/lib/apt/lists/* /tmp/DEPENDS \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/animov --no-create-home \
        --shell /usr/sbin/nologin animov \
    && install -d -o animov -g animov -m 0700 /var/lib/animov
COPY --from=build /opt/animov/ /usr/

LABEL org.opencontainers.image.title="AniMOV" \
      org.opencontainers.image.description="Goat activity from barn cameras: the headless engine and central" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"
# The data folder (database unless MySQL, video, logs, owner-only secrets);
# listening on every address of the container, secrets as files.
# ANIMOV_SECRETS names where secrets are kept, not a secret.
# hadolint ignore=DL3064
ENV ANIMOV_DATA_DIR=/var/lib/animov \
    ANIMOV_SECRETS=file \
    ANIMOV__LISTEN=0.0.0.0:8642 \
    ANIMOV__ALLOW_LAN=true
VOLUME ["/var/lib/animov"]
EXPOSE 8642
USER 10001:10001
WORKDIR /var/lib/animov
# `animov health` asks /health on the configured address (https when [tls] is on).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["animov", "health", "--timeout-seconds", "8"]
# SIGTERM: the engine closes its minutes and recordings, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["animov"]
CMD ["serve"]
