#!/usr/bin/env bash
# Builds, once per content hash, the local images `sam local invoke` needs here, and prints their tags:
#   base    aidr-debian-minbase:<hash>  a Debian minbase rootfs (debootstrap; the slow step, kept on its own)
#   lambda  aidr-lambda-python3.12:<hash>  a stand-in for the python3.12 Lambda base image, which cannot be pulled
#           here: base + the machine's python3.12 (compiled stdlib) in /var/lang, awslambdaric + simplejson + boto3
#           (the runtime ships boto3; pinned to requirements/constraints.txt) in /var/runtime, and a
#           /var/runtime/bootstrap. SAM mounts its own runtime interface emulator, which runs that bootstrap.
#   moto    aidr-moto:<hash>  lambda + moto[server] (installed here with the same python3.12 into a folder that
#           is COPY'd in: containers have no registry access), serving on port 5000.
#
# Usage: scripts/lambda-image.sh {lambda|moto|all|python}   (all prints the lambda and moto tags, one a line)
#   python  prints the python3.12 interpreter found (see find_python312) and builds nothing.
# The hash covers this script's code (not its comments), the interpreter's version and the pinned requirements,
# so an unchanged tree reuses the images docker already has; AIDR_IMAGE_REBUILD=1 forces a rebuild.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONSTRAINTS="$ROOT/requirements/constraints.txt"
SUITE=bookworm
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the interpreter links to beyond minbase (ldd of python3.12's lib-dynload: _ssl, _ctypes, _sqlite3).
DEB_INCLUDE=libssl3,libffi8,libsqlite3-0,ca-certificates
RUNTIME_PINS=(awslambdaric==3.1.1 simplejson==3.20.2)
RUNTIME_CONSTRAINED=(boto3 botocore s3transfer jmespath python-dateutil six urllib3)

log() { echo "lambda-image: $*" >&2; }
die() { log "$*"; exit 1; }

# A python3.12 to copy into the image and for `sam build` (runtime python3.12). In order: $PYTHON312, python3.12
# on PATH, pyenv's 3.12.x, Debian's /usr/bin/python3.12. Debian 12 has no python3.12 package and this machine
# reaches no download site other than the package registries, so there is no further fallback: say so.
find_python312() {
  local c root
  for c in "${PYTHON312:-}" "$(command -v python3.12 2>/dev/null || true)"; do
    [ -n "$c" ] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$c"; return; }
  done
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for c in $(ls -d "$root"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -V -r) /usr/bin/python3.12; do
    [ -x "$c" ] && "$c" -c 'import ssl, sqlite3, ctypes' 2>/dev/null && { echo "$c"; return; }
  done
  return 1
}

pins() {  # the constraints lines of the given packages, one a line, sorted
  local p; for p in "$@"; do grep -iE "^${p//-/[-_]}==" "$CONSTRAINTS" || die "$p is not pinned in $CONSTRAINTS"; done
}

content_hash() {  # $1 = image kind
  {
    grep -v '^ *#' "$0"; echo "$1"; "$PY" -c 'import sys; print(sys.version)'
    printf '%s\n' "${RUNTIME_PINS[@]}"; pins "${RUNTIME_CONSTRAINED[@]}"
    if [ "$1" = moto ]; then pins moto Flask Werkzeug; fi
  } | sha256sum | cut -c1-12
}

have_image() { [ -z "${AIDR_IMAGE_REBUILD:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }

build_base() {  # $1 = tag: the Debian minbase rootfs alone, the slow step, kept as its own image
  local rootfs="$WORK/rootfs"
  log "debootstrap $SUITE (minbase) -> $1"
  debootstrap --variant=minbase --include="$DEB_INCLUDE" "$SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" \
    2>&1 || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,locale}/*
  tar -C "$rootfs" -cf - . | docker import - "$1" >/dev/null
}

build_lambda() {  # $1 = tag, $2 = the base image it starts from
  local work="$WORK/lambda" prefix
  mkdir -p "$work/lang" "$work/runtime"
  prefix=$("$PY" -c 'import sys; print(sys.prefix)')
  log "python3.12 from $prefix -> /var/lang, runtime packages -> /var/runtime: $1"
  # The interpreter and its compiled stdlib; not its tests nor what was pip-installed into it (the runtime
  # brings its own). Bytecode is kept: /var/task and /opt are read-only mounts, so nothing is cached per invoke.
  tar -C "$prefix" --exclude='lib/python3.12/test' --exclude='lib/python3.12/site-packages/*' \
    -cf - bin lib include | tar -C "$work/lang" -xf -
  pip_quiet install --target "$work/runtime" -c "$CONSTRAINTS" "${RUNTIME_PINS[@]}" "${RUNTIME_CONSTRAINED[@]}"
  cat >"$work/runtime/bootstrap" <<'EOF'
#!/bin/sh
# As the managed python3.12 runtime: function code, then layers, then the runtime's own packages.
export PYTHONPATH="/var/task:/opt/python/lib/python3.12/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
cd "${LAMBDA_TASK_ROOT:-/var/task}"
exec /var/lang/bin/python3.12 -m awslambdaric "$_HANDLER"
EOF
  chmod 755 "$work/runtime/bootstrap"
  cat >"$work/Dockerfile" <<EOF
FROM $2
COPY lang /var/lang
COPY runtime /var/runtime
RUN echo /var/lang/lib > /etc/ld.so.conf.d/var-lang.conf && /sbin/ldconfig && mkdir -p /var/task /opt
ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TZ=:/etc/localtime \
    LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/var/runtime/bootstrap"]
EOF
  docker_build "$1" "$work"
}

pip_quiet() {  # pip of the chosen python3.12, without the noise about local index folders this machine lacks
  PIP_ROOT_USER_ACTION=ignore "$PY" -m pip --quiet --disable-pip-version-check "$@" \
    2> >(grep -v "is ignored: it is neither" >&2)
}

docker_build() {  # $1 = tag, $2 = context. The classic builder: it needs no buildx plugin and never pulls.
  DOCKER_BUILDKIT=0 docker build --quiet --tag "$1" "$2" >/dev/null \
    2> >(grep -v -i -e deprecated -e buildkit -e environment-variable -e '^ *$' >&2)
}

build_moto() {  # $1 = tag, $2 = the lambda image it starts from
  local work="$WORK/moto"
  mkdir -p "$work"
  log "moto[server] -> $1"
  pip_quiet install --target "$work/moto" -c "$CONSTRAINTS" "moto[server]" boto3
  cat >"$work/Dockerfile" <<EOF
FROM $2
COPY moto /opt/moto
ENV PYTHONPATH=/opt/moto
EXPOSE 5000
ENTRYPOINT ["/var/lang/bin/python3.12", "-m", "moto.server", "--host", "0.0.0.0", "--port", "5000"]
EOF
  docker_build "$1" "$work"
}

image() {  # $1 = lambda|moto: builds it if missing, prints its tag
  local tag
  case "$1" in
    base)   tag="aidr-debian-minbase:$(echo "$SUITE $DEB_INCLUDE" | sha256sum | cut -c1-12)"
            have_image "$tag" || build_base "$tag" ;;
    lambda) local base; base=$(image base)
            tag="aidr-lambda-python3.12:$(content_hash lambda)"
            have_image "$tag" || build_lambda "$tag" "$base" ;;
    moto)   local base; base=$(image lambda)
            tag="aidr-moto:$(content_hash moto)"
            have_image "$tag" || build_moto "$tag" "$base" ;;
    *) die "unknown image $1" ;;
  esac
  echo "$tag"
}

WORK=$(mktemp -d /tmp/aidr-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PY=$(find_python312) || die "no python3.12 found (set PYTHON312, put python3.12 on PATH or install pyenv's 3.12):" \
  "sam build and the Lambda image need one; Debian $SUITE does not package it"
case "${1:-all}" in
  python) echo "$PY" ;;
  lambda|moto) image "$1" ;;
  all) image lambda; image moto ;;
  *) die "usage: $0 {lambda|moto|all|python}" ;;
esac
