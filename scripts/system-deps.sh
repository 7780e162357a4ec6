# Installs the Debian packages a build and a headless run need, if any is missing. Sourced by scripts/demo and
# scripts/test; uses apt-get directly as root and sudo otherwise. Recommended packages are kept: WebKitGTK's (fonts,
# D-Bus) are what it was tested with.
set -euo pipefail

IPC_SYSTEM_PACKAGES=(pkg-config libwebkit2gtk-4.1-dev xvfb xauth)

ipc_install_system_deps() {
  local missing=()
  for package in "${IPC_SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "==> installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Node.js and npm, for the TypeScript checks of the generated client (tests/ts) and the front end of examples/vite.
ipc_install_node() {
  if command -v npm >/dev/null 2>&1; then
    return 0
  fi
  echo "==> installing nodejs and npm"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
}

# Debian's Chromium, which the browser-mode end-to-end test drives headless through playwright-core (tests/browser):
# the browser comes from the distribution, never from a download at install time.
ipc_install_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    return 0
  fi
  echo "==> installing chromium"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

ipc_require_cargo() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is not installed: install Rust from https://rustup.rs and run this again" >&2
    exit 1
  fi
}

# Runs a command with a display: as it is when there is one, under `xvfb-run -a` otherwise.
ipc_with_display() {
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    "$@"
  else
    xvfb-run -a "$@"
  fi
}
