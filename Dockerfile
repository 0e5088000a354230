# Horseshoe: a small image with the single binary (the browser client is embedded in it).
# Build:  docker build -t horseshoe .        Run: docker compose up

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml clippy.toml ./
COPY protocol protocol
COPY server server
COPY tests tests
COPY web web
RUN cargo build --release -p horseshoe --locked

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
