# The central worker and the agent. An agent of a MySQL cluster also needs MySQL's own client
# tools (mysqldump, mysqlbinlog, mysql) of the server's version on PATH: MariaDB's mysql*
# links are refused (activities/local/toolchain.ts). Add them from MySQL's packages for
# your distribution in an image built FROM this one.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends zstd mariadb-client mariadb-backup python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pitr
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
