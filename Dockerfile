# The Tact image: one image, two entry points (docker-compose.yml): the API (`node dist/api/main.js`, TACT_ROLE=api)
# and the worker (`node dist/workers/main.js`). JavaScript and the workflow bundle are built here, at image build
# time: the running containers compile and bundle nothing, and run plain `node` (no tsx, no npm) under tini, so
# SIGTERM from `docker stop` reaches Tact and its graceful shutdown (TACT_SHUTDOWN_GRACE_MS) runs.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/temporal-devserver/package.json packages/temporal-devserver/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY templates ./templates
USER node
# tini is PID 1: it forwards signals to node and reaps children (compose also sets `init: true`).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/api/main.js"]
