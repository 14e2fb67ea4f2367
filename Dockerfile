# syntax=docker/dockerfile:1
# trustmap as a container image: one static (musl) binary on an empty base, run as a non-root
# user. It needs nothing else: trustmap never runs a program and never opens a connection.
#
#   docker build -t trustmap .                                  # from source
#   docker run --rm -v "$PWD:/src:ro" trustmap scan . --fail-on high
#
# The release workflow (.github/workflows/publish-image.yml) builds the `release` target from
# the binaries cargo-dist has just built, checksummed and attested, passed as the build context
# `dist` (dist/linux/amd64/trustmap, dist/linux/arm64/trustmap): the image holds exactly the
# released binary.

ARG RUST_VERSION=1.88

# A static build from source, for `docker build .`.
FROM rust:${RUST_VERSION}-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
COPY . .
RUN cargo build --release --locked --bin trustmap \
 && install -D -m 0755 target/release/trustmap /out/trustmap

# Replaced by `--build-context dist=<folder>` in the release workflow.
FROM scratch AS dist

# The released binary, per platform.
FROM scratch AS release
ARG TARGETPLATFORM
COPY --from=dist --chmod=0555 /${TARGETPLATFORM}/trustmap /usr/local/bin/trustmap
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/trustmap"]
CMD ["scan", "."]

# The default target: the binary built from source above.
FROM scratch AS source
COPY --from=build --chmod=0555 /out/trustmap /usr/local/bin/trustmap
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/trustmap"]
CMD ["scan", "."]
