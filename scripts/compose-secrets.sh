#!/usr/bin/env bash
# Makes the secrets docker-compose.yml mounts (once; existing ones are kept).
set -euo pipefail
cd "$(dirname "$0")/../deploy/compose"
mkdir -p secrets && chmod 700 secrets
make_secret() { [ -s "secrets/$1" ] || { (umask 077; "${@:2}" > "secrets/$1"); echo "made secrets/$1"; }; }
make_secret postgres-password openssl rand -hex 24
make_secret s3-secret-key openssl rand -hex 24
make_secret mysql-password openssl rand -hex 24
make_secret master-key openssl rand -base64 32
make_secret catalog-url sh -c "printf 'postgresql://postgres:%s@postgres:5432/pitr' \"\$(cat secrets/postgres-password)\""
if [ ! -s secrets/manifest-signing.pem ]; then
  (umask 077; openssl genpkey -algorithm ed25519 -out secrets/manifest-signing.pem)
  openssl pkey -in secrets/manifest-signing.pem -pubout -out manifest-signing.pub.pem
  echo "made secrets/manifest-signing.pem and manifest-signing.pub.pem"
fi
