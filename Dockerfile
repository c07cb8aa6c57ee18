# Two targets: `central` (the central worker) and `agent` (beside a MySQL server).
FROM node:20-bookworm-slim AS central
RUN apt-get update \
 && apt-get install -y --no-install-recommends zstd mariadb-client mariadb-backup python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pitr
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && ln -sfn ../../bin/pitr node_modules/.bin/pitr

# An agent of a MySQL cluster runs MySQL's own client tools of the server's version: MariaDB's
# mysql* links are refused (activities/local/toolchain.ts). MySQL's generic minimal build
# carries its own TLS libraries, so it runs on this Debian base unchanged. Keep MYSQL_VERSION
# on the server's major.minor (compose runs mysql:8.4).
FROM central AS agent
ARG MYSQL_VERSION=8.4.3
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates xz-utils \
 && curl -fsSL "https://downloads.mysql.com/archives/get/p/23/file/mysql-${MYSQL_VERSION}-linux-glibc2.17-x86_64-minimal.tar.xz" \
    | tar -xJ -C /opt \
 && for tool in mysql mysqldump mysqlbinlog; do \
      ln -s "/opt/mysql-${MYSQL_VERSION}-linux-glibc2.17-x86_64-minimal/bin/${tool}" "/usr/local/bin/${tool}"; \
    done \
 && rm -rf /var/lib/apt/lists/*
