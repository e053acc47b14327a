#!/usr/bin/env bash
# Installs the system packages real WebGPU needs on a GPU-less Debian 12 machine
# (see ARCHITECTURE.md, "WebGPU without a GPU"): Chromium (SwiftShader WebGPU for the e2e tests),
# Mesa's EGL/GL (Dawn's OpenGL ES route) and Mesa 25 lavapipe from bookworm-backports
# (Dawn's Vulkan route). Idempotent: exits at once when everything is present.
set -euo pipefail

need_pkgs=(chromium libvulkan1 mesa-vulkan-drivers libegl1 libegl-mesa0 libgl1-mesa-dri)

mesa_major() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/'
}

has_numpy() {
  python3 -c 'import numpy' 2>/dev/null || /usr/bin/python3 -c 'import numpy' 2>/dev/null
}
if ! has_numpy; then need_pkgs+=(python3-numpy); fi

all_present() {
  has_numpy || return 1
  for p in "${need_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || return 1
  done
  [ "$(mesa_major)" -ge 25 ] 2>/dev/null
}

if all_present; then
  echo "system-deps: all present (mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
  exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: missing packages and cannot install (need root + apt-get). Install: ${need_pkgs[*]} and mesa-vulkan-drivers from bookworm-backports" >&2
  exit 1
fi

# bookworm-backports with the same URI and keyring as the existing Debian entry.
src=/etc/apt/sources.list.d/debian.sources
bp=/etc/apt/sources.list.d/tome-bookworm-backports.sources
if [ ! -f "$bp" ] && [ -f "$src" ]; then
  uri=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' "$src")
  key=$(awk '/^Signed-By:/ {print $2; exit}' "$src")
  if [ -n "$uri" ]; then
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$key" > "$bp"
  fi
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
if [ -f "$bp" ]; then
  apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libegl-mesa0 libgl1-mesa-dri >/dev/null || \
    echo "system-deps: Mesa 25 from bookworm-backports failed; lavapipe unavailable, the GL route still works" >&2
fi
echo "system-deps: installed (mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
