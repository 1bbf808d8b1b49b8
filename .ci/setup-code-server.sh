#!/usr/bin/env bash
# Installs a real VS Code workbench (code-server 4.100.3 = VS Code 1.100.3) plus Chromium and
# playwright-core for the editor tests, offline: only the npm registry and Debian apt are reachable.
# Idempotent: everything lands under .cache/ (gitignored) and a marker file makes repeat runs instant.
# Prints nothing but progress; exits non-zero on the first failure.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CONV_LENS_CACHE:-$ROOT/.cache}"
PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
CS="$PREFIX/node_modules/code-server"
VSCODE="$CS/lib/vscode"
MARKER="$PREFIX/.ready"
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
# Native builds are heavy and the machine is shared.
NICE="nice -n 15"

LOG="$CACHE/setup-code-server.log"
log() { printf '[setup-code-server] %s\n' "$*"; }
# Tool output goes to $LOG; on failure its tail is shown.
quiet() { "$@" >>"$LOG" 2>&1 || { echo "[setup-code-server] failed: $*" >&2; tail -n 40 "$LOG" >&2; return 1; }; }

apt_install() {
  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v rg >/dev/null || missing+=(ripgrep)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
  command -v make >/dev/null || missing+=(make)
  command -v g++ >/dev/null || missing+=(g++)
  command -v python3 >/dev/null || missing+=(python3)
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    quiet $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
    quiet env DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

gyp_rebuild() {
  local dir="$1"
  [ -d "$dir" ] || { log "missing $dir"; return 1; }
  if ls "$dir"/build/Release/*.node >/dev/null 2>&1; then return 0; fi
  log "node-gyp rebuild $(basename "$dir")"
  (cd "$dir" && quiet $NICE node "$NODE_GYP" rebuild --nodedir=/usr)
}

install_code_server() {
  mkdir -p "$PREFIX"
  [ -f "$PREFIX/package.json" ] || echo '{ "name": "conv-lens-code-server", "private": true }' > "$PREFIX/package.json"
  if [ ! -f "$CS/out/node/entry.js" ]; then
    log "npm install code-server@$CODE_SERVER_VERSION"
    (cd "$PREFIX" && quiet $NICE npm install --ignore-scripts --no-audit --no-fund "code-server@$CODE_SERVER_VERSION")
  fi
  if [ ! -d "$VSCODE/node_modules/@vscode/spdlog" ]; then
    log "npm install (bundled VS Code dependencies)"
    (cd "$VSCODE" && quiet $NICE npm install --omit=dev --ignore-scripts --no-audit --no-fund)
  fi
  for m in kerberos node-pty @vscode/spdlog native-watchdog @parcel/watcher @vscode/deviceid; do
    gyp_rebuild "$VSCODE/node_modules/$m"
  done
  mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
  [ -x "$VSCODE/node_modules/@vscode/ripgrep/bin/rg" ] || cp "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"
  [ -e "$VSCODE/node_modules.asar" ] || ln -s node_modules "$VSCODE/node_modules.asar"
  [ -e "$VSCODE/bin/remote-cli/code-server" ] || ln -s code-linux.sh "$VSCODE/bin/remote-cli/code-server"
  [ -e "$VSCODE/bin/helpers/browser.sh" ] || ln -s browser-linux.sh "$VSCODE/bin/helpers/browser.sh"
  if [ ! -d "$VSCODE/extensions/node_modules" ]; then
    log "npm install (built-in extensions)"
    (cd "$VSCODE/extensions" && quiet $NICE npm install --omit=dev --ignore-scripts --no-audit --no-fund)
  fi
  if ! ls "$PREFIX/node_modules/argon2/lib/binding"/*/argon2.node >/dev/null 2>&1 \
     && ! ls "$PREFIX/node_modules/argon2/build/Release"/*.node >/dev/null 2>&1; then
    log "argon2 (node-pre-gyp --fallback-to-build)"
    (cd "$PREFIX/node_modules/argon2" && quiet $NICE npx --yes @mapbox/node-pre-gyp install --fallback-to-build --nodedir=/usr)
  fi
}

install_playwright_core() {
  if ! (cd "$ROOT" && node -e "require.resolve('playwright-core')" 2>/dev/null); then
    log "npm install playwright-core (devDependency)"
    (cd "$ROOT" && quiet npm install --no-audit --no-fund)
  fi
}

if [ -f "$MARKER" ] && [ -f "$CS/out/node/entry.js" ] && command -v chromium >/dev/null; then
  install_playwright_core
  log "ready: $CS (cached)"
  exit 0
fi
mkdir -p "$CACHE"
apt_install
install_code_server
install_playwright_core
# Smoke check: the server binary answers --version.
node "$CS/out/node/entry.js" --version >/dev/null
date -u +%FT%TZ > "$MARKER"
log "ready: $CS"
