# syntax=docker/dockerfile:1

# Production dependencies only, installed from the lock file.
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json schema.sql ./
COPY migrations ./migrations
COPY bin ./bin
COPY src ./src
COPY intents ./intents
COPY adapters ./adapters
RUN mkdir -p /data && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The hub drains HTTP, adapters, NATS, Redis and Postgres on SIGTERM; node runs as PID 1 and
# handles it itself.
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/cli/main.ts", "start"]
