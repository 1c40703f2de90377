# Percorsi: the case service as a container image.
#   docker build -t percorsi .
#   docker run -p 3000:3000 -v percorsi-data:/data percorsi                 # embedded database in /data
#   docker run -p 3000:3000 -e DATABASE_URL=postgres://... -e PERCORSI_SECRET_KEY=... percorsi   # PostgreSQL 14+
# Configuration: the environment variables in README.md. docker compose up runs it with PostgreSQL.

# ---- build: all dependencies, TypeScript compiled to dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY machines ./machines
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and dist/ only ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    PERCORSI_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The pages' files (the inspector's, the sign-in page's, the console's and what they share) are served
# as written (scripts, styles): no build step. Preact and htm come from node_modules (dependencies).
COPY src/inspector/web ./src/inspector/web
COPY src/identity/web ./src/identity/web
COPY src/web ./src/web
# The embedded database's folder (used only without DATABASE_URL), owned by the unprivileged user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Readiness, database included (slim images have no curl: Node's fetch does it).
# Start-up migrates the database; the embedded one takes some seconds to initialise the first time.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: in-flight requests finish, then the database closes.
CMD ["node", "dist/src/main.js"]
