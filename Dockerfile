# syntax=docker/dockerfile:1
#
# Sellify Core container image.
#
#   docker build -t sellify .
#   docker run --rm -p 8080:8080 -v sellify-data:/var/lib/sellify sellify
#
# The base images are build arguments, so the same file builds from the public images
# (the defaults) or from local copies of them, e.g. where no registry can be reached:
#
#   --build-arg SWIFT_IMAGE=…      the build stage (Swift 6.2+ on Debian 12)
#   --build-arg RUNTIME_IMAGE=…    the runtime stage (Debian 12)
#   --build-arg BINARY=prebuilt    skip the build stage: take the binary at .image/sellify
#                                  (built beforehand with `swift build -c release
#                                  --static-swift-stdlib --product sellify`)
#
# `make image-check` builds this file with podman (BINARY=prebuilt, a Debian 12 base made
# by debootstrap), then runs `sellify check` and `sellify serve` from the image's
# filesystem and probes them; docs/deployment.md says what that proves and what it does not.
# Needs BuildKit (docker 23+, podman/buildah): only the stages the target uses are built.
#
# Layout inside the image:
#   /usr/local/bin/sellify        the binary (Swift runtime linked statically, stripped: ~80 MB)
#   /etc/sellify/                 config.yaml, catalog.yaml, rules/  (mount your own over it)
#   /var/lib/sellify/             the volume: SQLite store + generated key files
#   /etc/sellify/data -> /var/lib/sellify   so the default `store.path: data/sellify.db`
#                                 (relative to config.yaml) lands in the volume

ARG SWIFT_IMAGE=docker.io/library/swift:6.2-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim
ARG BINARY=build

# ---- 1. build ---------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-dev libyaml-dev libsqlite3-dev libcurl4-openssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# The cache mount keeps .build (dependency checkouts, objects) between builds.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product sellify \
 && install -D -m 0755 .build/release/sellify /out/sellify \
 && strip /out/sellify \
 && /out/sellify version

# A binary built beforehand (BINARY=prebuilt), in the same place.
FROM scratch AS prebuilt
COPY .image/sellify /out/sellify

FROM ${BINARY} AS binary

# ---- 2. runtime -------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# Only what the binary links dynamically (Lua, libyaml, SQLite, libcurl for the webhook
# sink's URLSession, the C++ runtime) and CA certificates for HTTPS to webhooks / AI providers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-0 libyaml-0-2 libsqlite3-0 libcurl4 libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 sellify \
 && useradd --system --uid 10001 --gid sellify --home-dir /var/lib/sellify \
      --shell /usr/sbin/nologin sellify \
 && install -d -o sellify -g sellify -m 0700 /var/lib/sellify \
 && install -d -m 0755 /etc/sellify \
 && ln -s /var/lib/sellify /etc/sellify/data

COPY --from=binary /out/sellify /usr/local/bin/sellify
COPY config.yaml catalog.yaml /etc/sellify/
COPY rules /etc/sellify/rules

USER sellify
WORKDIR /var/lib/sellify
VOLUME ["/var/lib/sellify"]
EXPOSE 8080

# Liveness without curl/wget in the image: bash's /dev/tcp asks GET /health.
# Orchestrators should probe HTTP directly: /health (liveness) and /ready (readiness).
# Assumes port 8080; change it here if you change server.port or --port.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# SIGTERM (docker stop) shuts down gracefully within server.shutdown_timeout (15s);
# give `docker stop -t 20` or compose `stop_grace_period: 20s`. SIGHUP reloads rules.
STOPSIGNAL SIGTERM
ENTRYPOINT ["sellify"]
CMD ["serve", "--config", "/etc/sellify/config.yaml", "--host", "0.0.0.0"]
