#!/usr/bin/env bash
# The compose hub's bootstrap job (image sixsteps-cli): makes sure the reporting service has an
# API key of its own service account, a viewer on '*', in $SIXSTEPS_REPORTING_KEY_FILE (a volume
# that the reporting container mounts read-only). Keeps a key that still signs in; otherwise,
# signed in as the first hub administrator (SIXSTEPS_ADMIN_EMAIL, password in
# SIXSTEPS_ADMIN_PASSWORD_FILE), it creates the account (once), grants it viewer on '*' and
# writes a new key (365 days; run the job again, e.g. `up`, to replace an expired one).
set -euo pipefail
die() { echo "sixsteps-bootstrap-reporting: $*" >&2; exit 1; }
say() { echo "sixsteps-bootstrap-reporting: $*"; }
: "${SIXSTEPS_IDENTITY_ADDRESS:?}" "${SIXSTEPS_ADMIN_EMAIL:?}" "${SIXSTEPS_ADMIN_PASSWORD_FILE:?}"
key_file="${SIXSTEPS_REPORTING_KEY_FILE:-/var/lib/sixsteps/reporting-key/api-key}"
export XDG_CONFIG_HOME="$(mktemp -d)"
unset SIXSTEPS_TOKEN SIXSTEPS_API_KEY

for _ in $(seq 1 120); do
  sixsteps key list >/dev/null 2>&1 && break
  sleep 1
done
sixsteps key list >/dev/null 2>&1 || die "identity at $SIXSTEPS_IDENTITY_ADDRESS does not answer"

if [[ -s "$key_file" ]] && sixsteps login --api-key-file "$key_file" >/dev/null 2>&1; then
  say "the reporting service's key in $key_file still signs in: kept"
  exit 0
fi

sixsteps login --email "$SIXSTEPS_ADMIN_EMAIL" <"$SIXSTEPS_ADMIN_PASSWORD_FILE" >/dev/null ||
  die "could not sign in as $SIXSTEPS_ADMIN_EMAIL"
account="$(sixsteps serviceaccount list | sed -n 's/^\(serviceAccounts\/sa-[0-9a-f]*\|sa-[0-9a-f]*\)[[:space:]].*Reporting service.*/\1/p' | head -n 1)"
if [[ -z "$account" ]]; then
  out="$(sixsteps serviceaccount create --name "Reporting service" --owner '*')" || die "serviceaccount create failed: $out"
  account="$(grep -o 'serviceAccounts/sa-[0-9a-f]*' <<<"$out" | head -n 1)"
  [[ -n "$account" ]] || die "could not read the new account's name from: $out"
  say "created $account"
fi
account="${account#serviceAccounts/}"
sixsteps role grant "serviceAccounts/$account" viewer '*' >/dev/null 2>&1 || true   # ALREADY_EXISTS the next times
sixsteps role list --principal "serviceAccounts/$account" | grep -q viewer || die "could not make $account a viewer on '*'"
rm -f "$key_file.new"
sixsteps apikey create "$account" --name "reporting (compose)" --expires-in 365d --out "$key_file.new" >/dev/null ||
  die "apikey create failed"
mv -f "$key_file.new" "$key_file"
say "wrote a new API key of serviceAccounts/$account to $key_file"
