#!/usr/bin/env bash
# One idempotent set-up for naslung on Debian/Ubuntu (root or sudo): system packages, npm ci,
# the native CPU kernels, the TypeScript build and the notebook kernel. Fast when all is present.
# Options: --with-torch  also install Debian's python3-torch (only for bench/ and golden values).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

APT_PKGS=(jupyter-nbconvert jupyter-notebook python3-ipykernel python3-nbformat chromium
          libdnnl-dev libopenblas-dev dcmtk redis-server build-essential pkg-config python3 git)
for a in "$@"; do
  case "$a" in
    --with-torch) APT_PKGS+=(python3-torch python3-numpy) ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

# 1. Debian packages (only the missing ones; apt-get update once, only if needed).
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. npm dependencies, exactly as locked (re-run only when the lock file changed).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi

# 3. Native oneDNN kernels for the tfjs CPU backend. A failed build is not fatal: the CPU
#    backend then runs tfjs's stock kernels and says so.
if [ -f native/binding.gyp ]; then
  addon=native/build/Release/naslung_native.node
  newest_src=$(find native -maxdepth 2 \( -name '*.cc' -o -name '*.h' -o -name binding.gyp \) -newer "$addon" 2>/dev/null | head -n 1 || true)
  if [ ! -f "$addon" ] || [ -n "$newest_src" ]; then
    log "building native kernels (oneDNN)"
    # Use the installed node headers when present: node-gyp would otherwise download them.
    nodedir=(); [ -f /usr/include/node/common.gypi ] && nodedir=(--nodedir=/usr)
    if ! (cd native && node ../node_modules/node-gyp/bin/node-gyp.js rebuild --silent "${nodedir[@]}" >&2); then
      log "WARNING: native kernel build failed; the CPU backend will use stock tfjs kernels (slow)"
    fi
  fi
fi

# 4. TypeScript build (incremental).
log "building the library"
node node_modules/typescript/bin/tsc -p tsconfig.json

# 5. Notebook kernel: the kernelspec is committed under jupyter/kernels/tslab; check Jupyter sees it.
if ! JUPYTER_PATH="$PWD/jupyter" /usr/bin/python3 -c 'import sys; from jupyter_client.kernelspec import KernelSpecManager as K; sys.exit("tslab" not in K().find_kernel_specs())' 2>/dev/null; then
  log "ERROR: Jupyter does not see the committed tslab kernelspec in jupyter/kernels" ; exit 1
fi
log "ready (naslung $(node -p 'require("./package.json").version'))"
