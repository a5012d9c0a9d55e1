# syntax=docker/dockerfile:1
# sgbridge container image: `docker build -t sgbridge:0.1.0 .`
#
# Node 22 LTS, pinned to the exact release the project tests with (the node@22 devDependency in
# package.json): bump both together. Every stage uses the same base, so the final image runs the
# very runtime the build used.

# ---- build: compile TypeScript to dist/ -------------------------------------------------------
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, dist/ and examples/, no shell ----------------------------
FROM node:22.23.3-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (none of them has an install script). Then remove what a running
# webhook never needs and an attacker would like: npm, npx, corepack, yarn and every shell. After
# this line the image has no shell, so nothing below may be a RUN.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /root/.npm /tmp/* \
 && rm -f /bin/sh /bin/bash /bin/dash /bin/rbash /usr/bin/sh /usr/bin/bash /usr/bin/dash /usr/bin/rbash
COPY --from=build /src/dist ./dist
COPY examples ./examples
# Non-root, numeric (Kubernetes can check runAsNonRoot against it); no home, no writable files.
USER 65532:65532
EXPOSE 8443
# Exec form: node is PID 1 and receives SIGTERM itself; sgbridge drains in-flight requests on it.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve"]
