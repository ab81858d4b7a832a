# syntax=docker/dockerfile:1
# Node 24 LTS (pg-boss 12 needs Node >= 22.12; typeorm 1.x supports 22.13+ and 24.11+).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: every dependency, compile src, migrations and ormconfig (tsconfig.build.json: no tests or benchmarks)
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# --- runtime: production dependencies only, the compiled app and the data files it reads at run time
FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production PORT=3978
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
# dist/src (the app, with the embedded database's worker), dist/migrations (applied at start-up), dist/ormconfig.js
COPY --from=build /app/dist ./dist
# data/glove-100d.bin: the local embedder's word table (src/ai/local-embeddings.ts finds <root>/data);
# content/sample: the corpus seeded on first start (src/db/seed-content.ts finds <root>/content, <root> = where package.json is)
COPY data ./data
COPY content ./content
# the web console's templates and browser files (src/channels/web/web-files.ts finds them under <root>/src)
COPY src/channels/web/views ./src/channels/web/views
COPY src/channels/web/public ./src/channels/web/public
# the guides the console's setup checklist links to (GET /docs/<name>.md), without their screenshots
COPY README.md ./
COPY docs/*.md ./docs/
# Without DATABASE_URL the app keeps its embedded database in /app/.data (PGLITE_DATA_DIR=.data/pglite):
# writable by the app user only; the code and data above stay root-owned and read-only to it.
RUN mkdir -p /app/.data && chown node:node /app/.data && chmod 700 /app/.data
# the unprivileged user of the official node images (uid 1000)
USER node
EXPOSE 3978
# node:*-slim has no curl; Node's fetch asks the liveness route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/index.js"]
