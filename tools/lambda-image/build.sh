#!/usr/bin/env bash
# Build a stand-in for the Lambda Python 3.12 base image, offline (no image registry needed).
#
# Why: `sam local invoke` needs public.ecr.aws/lambda/python:3.12, and machines without a
# reachable image registry (CI here) cannot pull it. SAM CLI adds the Runtime Interface
# Emulator itself on top of whatever base image it is given (--invoke-image), so a base that
# has what the real one has where it matters is enough:
#   - a Debian bookworm minbase root (debootstrap, from the Debian mirror apt already uses),
#     plus the shared libraries CPython's extension modules link to;
#   - this machine's Python 3.12, copied to the same path (its binary finds libpython by
#     absolute path), without its site-packages;
#   - awslambdaric and boto3 in /var/runtime (tools/lambda-image/requirements.txt);
#   - /var/runtime/bootstrap, which the emulator runs: the same PYTHONPATH order as Lambda
#     (layer, then runtime) and `python3.12 -m awslambdaric "$_HANDLER"`.
# The result is imported with `docker import` as $LAMBDA_IMAGE.
#
# Idempotent: the image carries a label with a hash of this script, the requirements and the
# Python version; when an image with that label exists, nothing is done (FORCE=1 rebuilds).
# The debootstrapped root is cached under $LAMBDA_IMAGE_WORK, so a rebuild after changing
# only the Python part skips the ~70 s debootstrap.
#
# Needs root (debootstrap, docker), debootstrap, a running Docker daemon and python3.12.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
IMAGE="${LAMBDA_IMAGE:-syndicate-lambda-python:3.12-offline}"
WORK="${LAMBDA_IMAGE_WORK:-/var/tmp/syndicate-lambda-image}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
# What CPython's extension modules and pip's TLS need (ssl, ctypes, sqlite3, bz2, lzma, zlib,
# uuid, readline, curses, pyexpat, the CA bundle); tkinter's X11/Tk is left out on purpose.
PACKAGES=libssl3,libffi8,libsqlite3-0,libbz2-1.0,liblzma5,zlib1g,libuuid1,libreadline8,libncursesw6,libexpat1,libnsl2,ca-certificates

log() { printf '[lambda-image] %s\n' "$*" >&2; }

PY="$(command -v python3.12 || true)"
[ -n "$PY" ] || { log "python3.12 not found on PATH (pyenv: export PYENV_VERSION=3.11.7:3.12.1)"; exit 1; }
PREFIX="$("$PY" -c 'import sys; print(sys.base_prefix)')"
PYBIN="$("$PY" -c 'import os, sys; print(os.path.realpath(sys.executable))')"
VERSION="$("$PY" -c 'import sys; print(sys.version.split()[0])')"
case "$PREFIX" in
  /|/usr)
    # Copying /usr would overwrite the image's own system; a self-contained prefix is needed.
    log "python3.12 lives in $PREFIX: use a self-contained build (pyenv, /opt/python...)"; exit 1 ;;
esac

HASH="$(cat "$0" "$HERE/requirements.txt" | sha256sum | cut -c1-16)-$VERSION"
if [ "${FORCE:-0}" != 1 ] \
   && [ "$(docker image inspect -f '{{index .Config.Labels "syndicate.build"}}' "$IMAGE" 2>/dev/null || true)" = "$HASH" ]; then
  log "$IMAGE is up to date ($HASH)"
  exit 0
fi

command -v debootstrap >/dev/null || { log "debootstrap not found: apt-get install -y debootstrap (as root)"; exit 1; }
[ "$(id -u)" = 0 ] || { log "run as root (debootstrap and the image root need it)"; exit 1; }

BASE="$WORK/debootstrap-$SUITE"
if [ ! -e "$BASE/.complete" ]; then
  log "debootstrap --variant=minbase $SUITE from $MIRROR (about a minute)"
  rm -rf "$BASE"
  mkdir -p "$WORK"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; log "debootstrap failed (log: $WORK/debootstrap.log)"; exit 1; }
  # Nothing in the image runs apt: its package cache and lists are dead weight.
  rm -rf "$BASE"/var/cache/apt/archives/*.deb "$BASE"/var/lib/apt/lists/*
  touch "$BASE/.complete"
else
  log "reusing $BASE"
fi

ROOT="$WORK/rootfs"
rm -rf "$ROOT"
mkdir -p "$ROOT"
# The cached base stays pristine: each build starts from a copy of it.
cp -a "$BASE/." "$ROOT/"
rm -f "$ROOT/.complete"

log "copying Python $VERSION from $PREFIX"
mkdir -p "$ROOT$PREFIX"
tar -C "$PREFIX" \
  --exclude="./lib/python3.12/site-packages/*" --exclude=./lib/python3.12/test \
  --exclude=./lib/python3.12/idlelib --exclude=./lib/python3.12/tkinter --exclude=./lib/python3.12/turtledemo \
  -cf - . | tar -C "$ROOT$PREFIX" -xf -
ln -sf "$PYBIN" "$ROOT/usr/local/bin/python3.12"
ln -sf python3.12 "$ROOT/usr/local/bin/python3"

log "installing $(grep -v '^#' "$HERE/requirements.txt" | cut -d' ' -f1 | xargs) into /var/runtime"
mkdir -p "$ROOT/var/runtime" "$ROOT/var/task" "$ROOT/opt"
"$PY" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
  --only-binary=:all: --target "$ROOT/var/runtime" -r "$HERE/requirements.txt"

cat >"$ROOT/var/runtime/bootstrap" <<EOF
#!/bin/sh
# Started by the Runtime Interface Emulator, as Lambda's own bootstrap is: the layer's
# packages first (/opt/python), then the runtime's (awslambdaric, boto3).
export PYTHONPATH=/opt/python:/opt/python/lib/python3.12/site-packages:/var/runtime\${PYTHONPATH:+:\$PYTHONPATH}
exec $PYBIN -m awslambdaric "\$_HANDLER"
EOF
chmod 755 "$ROOT/var/runtime/bootstrap"

# The image must run what it claims before it is imported: the runtime client imports.
chroot "$ROOT" "$PYBIN" -c 'import sys; sys.path[:0] = ["/var/runtime"]; import awslambdaric, boto3, ssl, sqlite3, ctypes, lzma, bz2, uuid' \
  || { log "the copied Python cannot import the runtime client inside the image root"; exit 1; }

log "importing $IMAGE"
tar -C "$ROOT" --exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./usr/share/locale -cf - . \
  | docker import \
      -c 'WORKDIR /var/task' \
      -c 'ENV LANG=C.UTF-8 TZ=:/etc/localtime LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime PATH=/usr/local/bin:/usr/bin:/bin' \
      -c 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
      -c "LABEL syndicate.build=$HASH" \
      - "$IMAGE" >/dev/null
rm -rf "$ROOT"
# The previous build, now untagged: remove it rather than let every rebuild leave one behind.
docker image prune -f --filter label=syndicate.build >/dev/null
log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}'))"
