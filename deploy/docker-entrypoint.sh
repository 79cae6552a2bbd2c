#!/usr/bin/env bash
# The services' entrypoint: turns *_FILE variables into the variables the services read, so
# that secrets can come from files (compose secrets, Kubernetes secret volumes) rather than
# from the environment of the container's definition, then execs the service, which becomes
# PID 1 and gets SIGTERM itself (every service shuts down gracefully on it).
#   PGPASSWORD_FILE                      -> PGPASSWORD (libpq: the database password)
#   SIXSTEPS_KEY_ENCRYPTION_SECRET_FILE  -> SIXSTEPS_KEY_ENCRYPTION_SECRET (identity)
#   SIXSTEPS_BOOTSTRAP_PASSWORD_FILE     -> SIXSTEPS_BOOTSTRAP_PASSWORD (identity bootstrap)
# (The reporting service reads SIXSTEPS_REPORTING_API_KEY_FILE itself.)
set -euo pipefail
for var in PGPASSWORD SIXSTEPS_KEY_ENCRYPTION_SECRET SIXSTEPS_BOOTSTRAP_PASSWORD; do
  file_var="${var}_FILE"
  file="${!file_var:-}"
  [[ -n "$file" ]] || continue
  if [[ -n "${!var:-}" ]]; then
    echo "sixsteps-entrypoint: both $var and $file_var are set; use one" >&2
    exit 2
  fi
  [[ -r "$file" ]] || { echo "sixsteps-entrypoint: $file_var: cannot read $file" >&2; exit 2; }
  IFS= read -r value <"$file" || [[ -n "$value" ]]
  export "$var=$value"
  unset "$file_var"
done
exec "$@"
