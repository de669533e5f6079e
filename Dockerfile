FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nest build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/templates ./templates
COPY --from=build /app/package.json ./package.json
RUN mkdir -p /data/publish /data/audit /app/var && chown -R node:node /data/publish /data/audit /app/var
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
