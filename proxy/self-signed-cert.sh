#!/bin/sh
# Lab 07 in Docker: a self-signed certificate for https://localhost, made when nginx starts.
# docker-compose.yml mounts this into /docker-entrypoint.d/, which the official image runs
# before rendering the templates. It does nothing for a template without ssl_certificate.
# nginx reads `ssl_certificate tls/cert.pem;` relative to its prefix, /etc/nginx/.
set -eu
dir=/etc/nginx/tls
if ! grep -Eqs '^[[:space:]]*ssl_certificate[[:space:]]' /etc/nginx/templates/*.template; then
  exit 0
fi
if [ -s "$dir/cert.pem" ] && [ -s "$dir/key.pem" ]; then
  exit 0
fi
# The alpine image has OpenSSL's libraries but not its command: fetch it once (needs network).
command -v openssl >/dev/null 2>&1 || apk add --no-cache --quiet openssl
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
echo "$0: self-signed certificate for localhost in $dir (browsers warn: accept it once)"
