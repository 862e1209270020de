# The Tact image: one image, two roles (TACT_ROLE=api | worker), the same entry point as `npm start`.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/temporal-devserver/package.json packages/temporal-devserver/
RUN npm ci --no-audit --no-fund
COPY . .
USER node
CMD ["npm", "start"]
