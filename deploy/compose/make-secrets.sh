#!/usr/bin/env bash
# make-secrets.sh [DIR]: creates the compose hub's secrets that DIR (default deploy/secrets)
# lacks: 32 random letters and digits each, mode 0400, owned by uid/gid 10001 (the services'
# user in the images; root in the jobs reads them anyway). Keeps the ones that exist: losing
# key_encryption_secret makes identity's signing keys unusable, and the database passwords
# must match the roles in the PostgreSQL volume.
set -euo pipefail
dir="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/secrets}"
(umask 077 && mkdir -p "$dir")
chmod 0700 "$dir"
for name in postgres_password identity_db_password framework_db_password assessment_db_password \
  reporting_db_password notification_db_password key_encryption_secret admin_password; do
  f="$dir/$name"
  [[ -s "$f" ]] && continue
  (umask 077 && head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$f")
  echo "created $f"
done
if ((EUID == 0)); then chown 10001:10001 "$dir"/*; fi
chmod 0400 "$dir"/*
