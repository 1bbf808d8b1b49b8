#!/usr/bin/env bash
# Debian's Neovim for `npm run test:neovim` (the real-editor LSP test). Installs only when nvim is missing.
set -euo pipefail
if command -v nvim >/dev/null 2>&1; then
  nvim --version | head -1
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq neovim >/dev/null
nvim --version | head -1
