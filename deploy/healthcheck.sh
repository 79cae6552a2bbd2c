#!/usr/bin/env bash
# healthcheck.sh [HOST:]PORT [SERVICE] — asks a server's standard gRPC health service
# (grpc.health.v1.Health/Check) whether it is SERVING, with nothing but bash and coreutils:
# Debian has no grpc_health_probe, and the service images carry no gRPC client. It speaks
# just enough plaintext HTTP/2 (h2c) for one unary call: the connection preface, an empty
# SETTINGS frame, one HEADERS frame (HPACK literals, no Huffman coding, no dynamic table),
# one DATA frame with an empty HealthCheckRequest (or one naming SERVICE), then reads the
# answer for a few seconds and looks for the HealthCheckResponse "status: SERVING" message
# (gRPC frame 00 00000002 0801).
# Exit status: 0 SERVING; 1 not serving, no answer, or nothing listening. Plaintext only: a
# server that serves TLS (SIXSTEPS_TLS_*) is not checked by this script.
# The images run it as their HEALTHCHECK (port from SIXSTEPS_LISTEN); Kubernetes uses its own
# native gRPC probes instead.
set -uo pipefail

target="${1:-}"
if [[ -z "$target" ]]; then
  # Default: the port this container's service listens on.
  target="127.0.0.1:${SIXSTEPS_LISTEN##*:}"
fi
[[ "$target" == *:* ]] || target="127.0.0.1:$target"
host="${target%:*}" port="${target##*:}"
[[ "$host" == 0.0.0.0 || -z "$host" ]] && host=127.0.0.1
service="${2:-}"
timeout_s="${SIXSTEPS_HEALTHCHECK_TIMEOUT:-2}"

# printf escapes for one byte, and for a 3-byte big-endian length.
byte() { printf '\\x%02x' "$1"; }
len3() { byte $(($1 >> 16 & 255)); byte $(($1 >> 8 & 255)); byte $(($1 & 255)); }
# An HPACK string literal (no Huffman coding; every string here is shorter than 127 bytes).
str() { byte "${#1}"; printf '%s' "$1"; }

path=/grpc.health.v1.Health/Check
# :method POST (static 3), :scheme http (static 6), :path (name static 4), :authority (name
# static 1), content-type (name static 31: 0x0f 0x10), te: trailers (new name).
headers="\\x83\\x86\\x04$(str "$path")\\x01$(str "$host:$port")\\x0f\\x10$(str application/grpc)\\x00$(str te)$(str trailers)"
headers_len=$(printf "$headers" | wc -c)

# HealthCheckRequest { string service = 1; } as a gRPC message: a flag byte, a 4-byte length.
message=""
if [[ -n "$service" ]]; then message="\\x0a$(str "$service")"; fi
message_len=$(printf "$message" | wc -c)
data="\\x00$(len3 0)$(byte 0)$(byte "$message_len")$message"
data_len=$((5 + message_len))

request="PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n"
request+="$(len3 0)\\x04\\x00\\x00\\x00\\x00\\x00"                        # SETTINGS (empty)
request+="$(len3 "$headers_len")\\x01\\x04\\x00\\x00\\x00\\x01$headers"       # HEADERS, END_HEADERS, stream 1
request+="$(len3 "$data_len")\\x00\\x01\\x00\\x00\\x00\\x01$data"            # DATA, END_STREAM, stream 1

answer="$(
  exec 2>/dev/null
  exec 3<>"/dev/tcp/$host/$port" || exit 1
  printf "$request" >&3
  # Acknowledge the server's SETTINGS (it sends them first), then read until it is quiet.
  printf "$(len3 0)\\x04\\x01\\x00\\x00\\x00\\x00" >&3
  timeout "$timeout_s" cat <&3 | od -An -v -tx1 | tr -d ' \n'
)"

# The response message: not compressed, length 2, field 1 (status) = 1 (SERVING).
if [[ "$answer" == *0000000002080* ]]; then
  status="${answer#*0000000002080}"
  status="${status:0:1}"
  if [[ "$status" == 1 ]]; then
    exit 0
  fi
  echo "healthcheck: $host:$port answers, but not SERVING (status $status)" >&2
  exit 1
fi
if [[ -z "$answer" ]]; then
  echo "healthcheck: no answer from $host:$port" >&2
else
  echo "healthcheck: $host:$port gave no SERVING answer to grpc.health.v1.Health/Check" >&2
fi
exit 1
