# syntax=docker/dockerfile:1
#
# Sellify Core container image.
#
# UNVERIFIED: the development machine has no Docker engine, so this file has never been
# built and CI does not build it. What was checked outside Docker, on Debian 12 (Swift
# 6.3.1, not 6.2): the stage-1 build command; `ldd` of its binary (only the libraries
# installed in stage 2); and the stage-2 layout in a chroot holding just that binary,
# those libraries and the files below, as uid 10001: `serve` works, the store lands in
# /var/lib/sellify, time zones resolve without tzdata (ICU data is linked in), and the
# HEALTHCHECK command succeeds. Build and try it before relying on it (docs/deployment.md).
#
#   docker build -t sellify .
#   docker run --rm -p 8080:8080 -v sellify-data:/var/lib/sellify sellify
#
# Layout inside the image:
#   /usr/local/bin/sellify        the binary (Swift runtime linked statically, stripped: ~80 MB)
#   /etc/sellify/                 config.yaml, catalog.yaml, rules/  (mount your own over it)
#   /var/lib/sellify/             the volume: SQLite store + generated key files
#   /etc/sellify/data -> /var/lib/sellify   so the default `store.path: data/sellify.db`
#                                 (relative to config.yaml) lands in the volume

# ---- 1. build ---------------------------------------------------------------------
FROM swift:6.2-bookworm AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-dev libyaml-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# The cache mount keeps .build (dependency checkouts, objects) between builds.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product sellify \
 && install -D -m 0755 .build/release/sellify /out/sellify \
 && strip /out/sellify \
 && /out/sellify version

# ---- 2. runtime -------------------------------------------------------------------
FROM debian:bookworm-slim

# Only what the binary links dynamically (Lua, libyaml, SQLite, the C++ runtime) and
# CA certificates for HTTPS to webhooks / AI providers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-0 libyaml-0-2 libsqlite3-0 libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 sellify \
 && useradd --system --uid 10001 --gid sellify --home-dir /var/lib/sellify \
      --shell /usr/sbin/nologin sellify \
 && install -d -o sellify -g sellify -m 0700 /var/lib/sellify \
 && install -d -m 0755 /etc/sellify \
 && ln -s /var/lib/sellify /etc/sellify/data

COPY --from=build /out/sellify /usr/local/bin/sellify
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
