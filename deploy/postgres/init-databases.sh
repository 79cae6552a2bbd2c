#!/usr/bin/env bash
# The compose hub's init job: once PostgreSQL answers, creates (or brings up to date) a role
# and a database for each service, the role owning its database, with the password from the
# service's secret file, and nobody else allowed to connect to it. Idempotent: run at every
# `up`. Passwords go to psql on standard input, never on a command line.
#   PGHOST, PGPORT [5432], PGUSER [postgres], PGPASSFILE or POSTGRES_PASSWORD_FILE
#   SIXSTEPS_SERVICES ["identity framework assessment reporting"]
#   SIXSTEPS_SECRETS_DIR [/run/secrets]: <service>_db_password for each service
set -euo pipefail
die() { echo "sixsteps-init-databases: $*" >&2; exit 1; }
export PGUSER="${PGUSER:-postgres}" PGPORT="${PGPORT:-5432}" PGCONNECT_TIMEOUT=5
secrets="${SIXSTEPS_SECRETS_DIR:-/run/secrets}"
if [[ -z "${PGPASSWORD:-}" && -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
  PGPASSWORD="$(head -n 1 "$POSTGRES_PASSWORD_FILE")"
  export PGPASSWORD
fi

for _ in $(seq 1 120); do
  pg_isready -q -d postgres && break
  sleep 1
done
pg_isready -q -d postgres || die "PostgreSQL at ${PGHOST:-?}:$PGPORT does not answer"

for service in ${SIXSTEPS_SERVICES:-identity framework assessment reporting}; do
  db="sixsteps_$service"
  file="$secrets/${service}_db_password"
  [[ -r "$file" ]] || die "no password for $service: $file is missing"
  password="$(head -n 1 "$file" | tr -d '\n')"
  [[ ${#password} -ge 16 ]] || die "$file: the password needs at least 16 characters"
  [[ "$password" =~ ^[A-Za-z0-9._~+/=-]+$ ]] || die "$file: use letters, digits and ._~+/=- only"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || die "could not create the role and database of $service"
\\set role '$db'
\\set db '$db'
\\set password '$password'
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'role', 'UTF8')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
ALTER DATABASE :"db" OWNER TO :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT ALL ON DATABASE :"db" TO :"role";
SQL
  echo "sixsteps-init-databases: $service: role and database $db ready"
done
