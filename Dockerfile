# Horseshoe: a small image with the single binary (the browser client is embedded in it).
# Build:  docker build -t horseshoe .        Run: docker compose up

FROM rust:1-slim-bookworm AS build
WORKDIR /src

# The dependencies first, in a layer of their own: it is rebuilt only when a manifest or the lock
# file changes, so a change to the code recompiles Horseshoe's two crates and nothing else (the
# dependencies are most of a release build). The workspace's crates are empty stand-ins here.
COPY Cargo.toml Cargo.lock ./
COPY protocol/Cargo.toml protocol/
COPY server/Cargo.toml server/
COPY tests/Cargo.toml tests/
RUN mkdir -p protocol/src protocol/benches server/src tests/src \
    && touch protocol/src/lib.rs protocol/benches/core.rs server/src/lib.rs tests/src/lib.rs \
    && echo 'fn main() {}' > server/src/main.rs \
    && cargo build --release -p horseshoe --locked

COPY protocol protocol
COPY server server
COPY web web
# COPY keeps the files' own times, which can be older than the stand-ins' build: without the
# touch, cargo would take the stand-ins for up to date and ship an empty binary.
RUN touch protocol/src/lib.rs server/src/lib.rs server/src/main.rs \
    && cargo build --release -p horseshoe --locked

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin horseshoe \
    && mkdir -p /data && chown horseshoe /data
COPY --from=build /src/target/release/horseshoe /usr/local/bin/horseshoe
USER horseshoe
ENV HORSESHOE_BIND=0.0.0.0:8080 \
    HORSESHOE_DATA_DIR=/data \
    HORSESHOE_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s CMD ["horseshoe", "health"]
ENTRYPOINT ["horseshoe"]
