#!/usr/bin/env bash
# Our engine on a real GPU, on a bare Linux x86-64 machine that has an NVIDIA driver and
# nothing else: no Node, no network, no ../shared. Two halves (and a rehearsal):
#
#   bash remote-gpu/remote-gpu.sh pack     here, in a checkout with node_modules, the converted
#                                          weights and ../shared/golden: builds .remote/ (ignored)
#   bash remote-gpu/remote-gpu.sh simulate [options]
#                                          here: a device call rehearsed on lavapipe (simulate())
#   bash remote-gpu/remote-gpu.sh run [OUTDIR] [gpu-matrix options...]
#                                          there, from the repository root, with .remote/runtime
#                                          and one or more .remote/models/<id> carried: unpacks,
#                                          finds the NVIDIA Vulkan adapter through Dawn, runs the
#                                          golden check, then (when ViT-Ti is carried) the GPU
#                                          matrix; JSON + Markdown + run.log under OUTDIR or $OUT
#
# The bundle does not fit one 64 MiB device call with both models, so the ViT-Ti call (golden
# + bench) and the DeiT-Ti call (golden) each carry the runtime and one model; pack prints the
# sizes and remote-gpu/README.md has the exact calls.
#
# Environment, pack: TOME_REMOTE_NODE (a linux-x64 node >= 20 to bundle; default: the node on
# PATH), TOME_GOLDEN_DIR (default $TOME_SHARED_DIR/golden, else ../shared/golden), TOME_REMOTE_MODELS
# (default both models).
# Run: TOME_ADAPTER (default vulkan), TOME_ADAPTER_NAME (default NVIDIA; empty: any),
# TOME_ADAPTER_HARDWARE (default 1: refuse software adapters), TOME_REMOTE_TIMEOUT (seconds
# the matrix may take, default 470), TOME_REMOTE_WORK (scratch folder, default /tmp/tome-remote).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
R=.remote
RT=$R/runtime
VIT=vit_tiny_patch16_224.augreg_in21k_ft_in1k
DEIT=deit_tiny_patch16_224.lnq

say() { echo "remote-gpu: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# An ELF64 little-endian file for x86-64 (e_machine 0x3e).
is_x86_64_elf() {
  [ "$(od -An -tx1 -N6 "$1" | tr -d ' \n')" = "7f454c460201" ] && [ "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' \n')" = "3e00" ]
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# xz -d, or Python's lzma where the machine has no xz binary.
unxz_to() {
  if [ -z "${TOME_REMOTE_NO_XZ:-}" ] && command -v xz >/dev/null 2>&1; then
    xz -dc "$1" >"$2"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"), 1 << 20)' "$1" "$2"
  else
    die "neither xz nor python3 here to unpack $1"
  fi
}

pack() {
  [ -d node_modules/webgpu ] || die "node_modules missing: run npm ci first"
  local esbuild=node_modules/.bin/esbuild
  [ -x "$esbuild" ] || die "$esbuild missing (it comes with tsx): run npm ci"
  local golden=${TOME_GOLDEN_DIR:-${TOME_SHARED_DIR:-../shared}/golden}
  [ -f "$golden/cases.json" ] || die "$golden/cases.json missing: the golden cases travel in the bundle (set TOME_GOLDEN_DIR)"
  local models=${TOME_REMOTE_MODELS:-$VIT,$DEIT}
  local m
  for m in ${models//,/ }; do
    [ -f "public/weights/$m/model.json" ] || npm run --silent weights
    [ -f "public/weights/$m/model.json" ] || die "public/weights/$m: not converted (npm run weights)"
  done
  command -v xz >/dev/null || die "xz missing here (apt-get install xz-utils)"
  mkdir -p "$RT/app/bin" "$RT/app/shaders" "$RT/app/node_modules/webgpu" "$RT/debs"

  # Node, stripped (its debug info is a tenth of it) and xz'd with the x86 branch filter.
  local node_src
  node_src=$(readlink -f "${TOME_REMOTE_NODE:-$(command -v node)}")
  is_x86_64_elf "$node_src" || die "$node_src is not an x86-64 Linux binary (the device is x86-64): set TOME_REMOTE_NODE to a linux-x64 node >= 20"
  local sum
  sum=$(sha_of "$node_src")
  if [ ! -f "$RT/node.xz" ] || [ "$(cat "$RT/node.source-sha256" 2>/dev/null)" != "$sum" ]; then
    say "compressing $node_src ($("$node_src" --version 2>/dev/null || echo 'version unknown here'); a minute or two)"
    if command -v strip >/dev/null; then strip -o "$R/node.tmp" "$node_src"; else cp "$node_src" "$R/node.tmp"; fi
    xz --x86 --lzma2=preset=9e -T1 -c "$R/node.tmp" >"$RT/node.xz.tmp"
    mv "$RT/node.xz.tmp" "$RT/node.xz"
    rm -f "$R/node.tmp"
    echo "$sum" >"$RT/node.source-sha256"
  else
    say "node.xz up to date"
  fi

  # Dawn, from the webgpu package, beside a copy of the package's own loader (index.js).
  local dawn=node_modules/webgpu/dist/linux-x64/dawn.node
  [ -f "$dawn" ] || die "$dawn missing (the webgpu package ships it)"
  sum=$(sha_of "$dawn")
  if [ ! -f "$RT/dawn.node.xz" ] || [ "$(cat "$RT/dawn.source-sha256" 2>/dev/null)" != "$sum" ]; then
    say "compressing $dawn"
    xz --x86 --lzma2=preset=9e -T1 -c "$dawn" >"$RT/dawn.node.xz.tmp"
    mv "$RT/dawn.node.xz.tmp" "$RT/dawn.node.xz"
    echo "$sum" >"$RT/dawn.source-sha256"
  fi
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json node_modules/webgpu/LICENSE.md "$RT/app/node_modules/webgpu/"

  # Our code, bundled: the matrix and the unpacker. webgpu stays external (its index.js finds
  # dist/linux-x64/dawn.node beside itself); the WGSL is read from app/shaders at run time.
  local banner="import { createRequire as __tomeRequire } from 'node:module'; const require = __tomeRequire(import.meta.url);"
  local entry out
  for entry in remote-gpu/gpu-matrix/main.ts:gpu-matrix remote-gpu/bundle/unpack-main.ts:unpack; do
    out="$RT/app/bin/${entry#*:}.mjs"
    "$esbuild" "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 --external:webgpu \
      --banner:js="$banner" --legal-comments=none --log-level=warning --outfile="$out"
  done
  rm -f "$RT/app/shaders/"*.wgsl
  cp src/shaders/*.wgsl "$RT/app/shaders/"

  # The Vulkan loader (and the GL dispatch libraries the NVIDIA ICD may want), as the device
  # README brings them: amd64 .debs from Debian, unpacked there only if it has no libvulkan.
  if ! ls "$RT/debs/"libvulkan1_*.deb >/dev/null 2>&1; then
    say "downloading the Vulkan loader .debs"
    local lists=/tmp/tome-remote-apt-amd64
    mkdir -p "$lists/partial"
    local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
    apt-get "${o[@]}" update >/dev/null
    (cd "$RT/debs" && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
  fi

  npx tsx remote-gpu/bundle/pack-main.ts --root "$R" --golden "$golden" --models "$models"
}

run_remote() {
  local outdir=${OUT:-}
  if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    outdir=$1
    shift
  fi
  [ -n "$outdir" ] || die "run needs an OUTDIR (or \$OUT)"
  mkdir -p "$outdir"
  outdir=$(cd "$outdir" && pwd)
  [ -f "$RT/node.xz" ] || die "no bundle in $RT: run 'bash remote-gpu/remote-gpu.sh pack' here first and name .remote/runtime in carry"
  local models=() d
  for d in "$R"/models/*/; do
    [ -f "$d/manifest.json" ] && models+=("$(basename "$d")")
  done
  [ ${#models[@]} -gt 0 ] || die "no model in $R/models: name .remote/models/<id> in carry"
  local w=${TOME_REMOTE_WORK:-/tmp/tome-remote}
  rm -rf "$w"
  mkdir -p "$w/weights" "$w/golden"
  # Everything from here also goes to run.log, which comes back even if the call is cut short.
  exec 3>&1 4>&2 > >(tee -a "$outdir/run.log") 2>&1
  local tee_pid=$!
  local t0=$SECONDS
  say "$(uname -srm), $(nproc) CPUs; models: ${models[*]}"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.limit --format=csv || true
  else
    say "no nvidia-smi on this machine"
  fi

  # Vulkan: the loader, and the NVIDIA driver's ICD where the machine keeps it.
  # (grep without -q: under pipefail an early exit would make ldconfig's SIGPIPE a failure.)
  if ! ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1' >/dev/null; then
    command -v dpkg >/dev/null || die "no libvulkan.so.1 and no dpkg to unpack $RT/debs"
    local f
    if [ "$(id -u)" = 0 ]; then
      for f in "$RT"/debs/*.deb; do dpkg -x "$f" /; done
      ldconfig
    else
      for f in "$RT"/debs/*.deb; do dpkg -x "$f" "$w/gl"; done
      export LD_LIBRARY_PATH="$w/gl/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    say "Vulkan loader unpacked from $RT/debs"
  fi
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
      if [ -f "$f" ]; then
        export VK_DRIVER_FILES=$f
        break
      fi
    done
  fi
  if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ]; then
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
  say "VK_DRIVER_FILES=${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-(the loader default search)}}"

  # The runtime and the models, into the scratch folder.
  unxz_to "$RT/node.xz" "$w/node"
  chmod +x "$w/node"
  local node=$w/node
  cp -r "$RT/app" "$w/app"
  mkdir -p "$w/app/node_modules/webgpu/dist/linux-x64"
  unxz_to "$RT/dawn.node.xz" "$w/app/node_modules/webgpu/dist/linux-x64/dawn.node"
  local m
  for m in "${models[@]}"; do
    unxz_to "$R/models/$m/weights.planes.xz" "$w/planes"
    "$node" "$w/app/bin/unpack.mjs" "$R/models/$m" "$w/planes" "$w/weights/$m"
    rm -f "$w/planes"
    unxz_to "$R/models/$m/golden.tar.xz" "$w/golden.tar"
    tar -xf "$w/golden.tar" -C "$w/golden"
    rm -f "$w/golden.tar"
  done
  "$node" "$w/app/bin/unpack.mjs" --merge-cases "$w/golden"
  say "node $("$node" --version); unpacked in $((SECONDS - t0)) s"

  local bench=none
  for m in "${models[@]}"; do [ "$m" = "$VIT" ] && bench=$VIT; done
  local list
  list=$(IFS=,; echo "${models[*]}")
  export TOME_ADAPTER=${TOME_ADAPTER:-vulkan}
  export TOME_ADAPTER_NAME=${TOME_ADAPTER_NAME-NVIDIA}
  export TOME_ADAPTER_HARDWARE=${TOME_ADAPTER_HARDWARE:-1}
  say "TOME_ADAPTER=$TOME_ADAPTER TOME_ADAPTER_NAME=$TOME_ADAPTER_NAME TOME_ADAPTER_HARDWARE=$TOME_ADAPTER_HARDWARE; golden: $list; bench: $bench"
  local rc=0
  timeout "${TOME_REMOTE_TIMEOUT:-470}" "$node" "$w/app/bin/gpu-matrix.mjs" --weights "$w/weights" --golden "$w/golden" \
    --models "$list" --bench "$bench" --out "$outdir" "$@" || rc=$?
  case $rc in
    0) say "done in $((SECONDS - t0)) s; results in $outdir" ;;
    3) say "golden check FAILED (see the lines above); results of what ran in $outdir" ;;
    124) say "the matrix ran past ${TOME_REMOTE_TIMEOUT:-470} s and was stopped: rerun with --quick or fewer --rounds" ;;
    *) say "gpu-matrix failed (exit $rc); see the lines above" ;;
  esac
  exec 1>&3 2>&4 3>&- 4>&-
  wait "$tee_pid" 2>/dev/null || true
  return "$rc"
}

# The device call, rehearsed here: a scratch folder with only what a call carries (the
# checkout's tracked and untracked files, .remote/runtime and one model), no ../shared beside
# it, node/npx/npm/tsx on PATH replaced by stubs that fail loudly, then `run` on the software
# Vulkan adapter. Arguments go to the matrix (e.g. --quick).
simulate() {
  local model=${TOME_REMOTE_SIM_MODEL:-$VIT}
  if [ ! -f "$RT/node.xz" ] || [ ! -f "$R/models/$model/manifest.json" ]; then
    die "pack first: no $RT or $R/models/$model"
  fi
  local sim
  sim=$(mktemp -d /tmp/tome-remote-sim.XXXXXX)
  mkdir -p "$sim/repo" "$sim/stubs" "$sim/out"
  git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$sim/repo"
  cp -r --parents "$RT" "$R/models/$model" "$sim/repo"
  local b
  for b in node npx npm tsx; do
    printf '#!/bin/sh\necho "simulation: %s from PATH was called" >&2\nexit 99\n' "$b" >"$sim/stubs/$b"
    chmod +x "$sim/stubs/$b"
  done
  say "simulating in $sim/repo ($(du -sm "$sim/repo" | cut -f1) MiB travel; no ../shared)"
  (cd "$sim/repo" && PATH="$sim/stubs:$PATH" OUT="$sim/out" TOME_REMOTE_WORK="$sim/work" \
    TOME_ADAPTER_NAME="${TOME_ADAPTER_NAME-llvmpipe}" TOME_ADAPTER_HARDWARE="${TOME_ADAPTER_HARDWARE:-0}" \
    TOME_REMOTE_TIMEOUT="${TOME_REMOTE_TIMEOUT:-7200}" bash remote-gpu/remote-gpu.sh run "$@")
  say "what would come back: $(find "$sim/out" -type f -printf '%f (%s bytes) ')"
  say "(in $sim/out)"
}

case "${1:-}" in
  pack) pack ;;
  simulate)
    shift
    simulate "$@"
    ;;
  run)
    shift
    run_remote "$@"
    ;;
  *) die "usage: bash remote-gpu/remote-gpu.sh pack | run [OUTDIR] [gpu-matrix options] | simulate [gpu-matrix options]" ;;
esac
