# The wl1 binary in a small image, for the Kubernetes and Slurm examples of
# the README:
#
#   docker build -t registry.example/wl1:latest .
#   docker run --rm registry.example/wl1:latest wl1 check --runs 1000
#
# The build stage compiles the workspace as `cargo install --path cli` does
# (polars included: about 12 minutes on 2 cores); the image keeps only the
# binary, on a slim Debian with the C library it links to.

FROM rust:1.95-slim-bookworm AS build
# The commit `wl1 --version` names (the image has no git):
# docker build --build-arg WL1_COMMIT=$(git rev-parse --short=12 HEAD) ...
ARG WL1_COMMIT=
WORKDIR /src
COPY . .
RUN cargo install --locked --path cli --root /out

FROM debian:bookworm-slim
COPY --from=build /out/bin/wl1 /usr/local/bin/wl1
# Runs write their traces under the working directory unless told --out;
# it belongs to the unprivileged user the image runs as.
RUN mkdir /work && chown 65534:65534 /work
WORKDIR /work
USER 65534:65534
CMD ["wl1", "--help"]
