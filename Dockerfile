# sgbridge container image: `docker build --build-arg VERSION=0.1.0 -t sgbridge:0.1.0 .`
# (VERSION is package.json's "version"; its default below is kept equal by test/charts/dockerfile.test.ts.)
#
# Behind a TLS-intercepting proxy, give its CA certificate (PEM) to npm as a BuildKit secret; the
# Dockerfile stays as it is: `docker build --secret id=npm_ca,src=proxy-ca.pem -t sgbridge:0.1.0 .`
#
# Build stages: Node 22 LTS pinned to the exact release the project tests with (the node@22
# devDependency in package.json): bump both together. The final stage is distroless Node 22: node,
# CA certificates, tzdata and the nonroot user (65532), no shell, no package manager, no perl.

# ---- deps: production dependencies from the lock file (none has an install script) ------------
FROM node:22.23.3-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=npm_ca \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- build: compile TypeScript to dist/ with only the compiler and the two type packages --------
# The full dev install (test runner, linters, helm, a Node binary) is not needed to run tsc. The
# compiler and types go to /node_modules at the versions package-lock.json holds: tsc looks up
# type packages in every parent folder's node_modules, so /src keeps the production tree only.
FROM deps AS build
RUN --mount=type=secret,id=npm_ca \
    if [ -f /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
 && npm install --prefix / --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      $(node -p "const l = require('./package-lock.json').packages; ['typescript', '@types/node', '@types/node-forge'].map((n) => n + '@' + l['node_modules/' + n].version).join(' ')")
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# No source maps in the image: with --enable-source-maps node keeps every map in memory, for stack traces
# that name dist/*.js functions plainly enough.
RUN /node_modules/.bin/tsc -p tsconfig.build.json --sourceMap false \
 && mkdir -p /out/certs

# ---- runtime ------------------------------------------------------------------------------------
FROM gcr.io/distroless/nodejs22-debian12:nonroot AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="sgbridge" \
      org.opencontainers.image.description="AWS security groups for individual pods on open-source Calico" \
      org.opencontainers.image.source="https://github.com/sgbridge/sgbridge" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# In the image sgbridge listens on every interface (a container's loopback is unreachable from
# outside it) and makes or reads its certificates in /app/certs, the one folder 65532 may write.
# The chart sets every setting itself; these are the defaults for a plain `docker run`.
ENV NODE_ENV=production \
    PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SGBRIDGE_LISTEN=0.0.0.0 \
    SGBRIDGE_TLS_DIR=/app/certs
WORKDIR /app
COPY package.json ./
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY examples ./examples
COPY --from=build --chown=65532:65532 /out/certs ./certs
# Numeric non-root user (Kubernetes checks runAsNonRoot against it); the app itself is root-owned.
USER 65532:65532
EXPOSE 8443
# Exec form with absolute paths: node is PID 1 and gets SIGTERM itself (sgbridge drains in-flight
# requests on it), and any working directory (`docker run -w`, a pod's workingDir) works.
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/main.js"]
CMD ["serve"]
