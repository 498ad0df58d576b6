#!/usr/bin/env bash
# rootfs.sh DEST PATH...: a distroless-style root filesystem under DEST with PATH... and
# exactly what they need at run time, gathered in an image's build stage (deploy/Dockerfile,
# deploy/nginx.Dockerfile) and copied whole onto `FROM scratch`:
#   (1) the merged-/usr layout of the system it runs on (/bin, /lib, /lib64, /sbin → usr/…), so
#       a path through either spelling works, /lib64/ld-linux-x86-64.so.2 (the ELF interpreter)
#       included;
#   (2) each PATH as it is here: a file with the chain of symlinks that leads to it, a directory
#       whole;
#   (3) for every ELF file among them, the shared libraries ldd resolves, the same way; a
#       library ldd cannot find fails the build;
#   (4) the license notice: /usr/share/doc/PKG/copyright of every Debian package a copied file
#       belongs to.
set -euo pipefail
dest=$1
shift
declare -A copied=() packages=()

main() {
  local path
  merged_usr                                            # (1)
  for path in "$@"; do copy "$path"; done               # (2), (3)
  for path in "${!packages[@]}"; do copyright "$path"; done  # (4)
}

merged_usr() {
  local dir
  for dir in bin sbin lib lib64; do
    mkdir -p "$dest/usr/$dir"
    [ -L "/$dir" ] && ln -sfn "usr/$dir" "$dest/$dir"
  done
}

# A path with its directories resolved (/lib/x86_64-linux-gnu/libc.so.6 → /usr/lib/…).
canonical() {
  printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd -P)" "$(basename "$1")"
}

copy() { # path
  local path dir
  path=$(canonical "$1")
  [ -n "${copied[$path]:-}" ] && return
  copied[$path]=1
  dir=$(dirname "$path")
  mkdir -p "$dest$dir"
  cp -a "$path" "$dest$dir/"
  if [ -L "$path" ]; then
    local target
    target=$(readlink "$path")
    [[ $target = /* ]] || target="$dir/$target"
    copy "$target"
  elif [ -d "$path" ]; then
    local file
    while IFS= read -r file; do
      owner "$file"
      is_elf "$file" && libraries "$file"
    done < <(find "$path" -type f)
  else
    owner "$path"
    is_elf "$path" && libraries "$path"
  fi
  return 0
}

is_elf() { [ "$(head -c 4 "$1" | tail -c 3)" = ELF ]; }

libraries() { # elf-file
  local listed
  listed=$(ldd "$1" 2>&1) || { [[ $listed = *'not a dynamic executable'* ]] && return; echo "$listed" >&2; return 1; }
  if [[ $listed = *'not found'* ]]; then
    printf 'rootfs.sh: %s: a library is missing:\n%s\n' "$1" "$listed" >&2
    return 1
  fi
  local lib
  for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$listed"); do
    copy "$lib"
  done
}

# The Debian package of a file. dpkg knows the path the package ships (/lib/… on bookworm),
# which the merged /usr may have resolved to /usr/lib/….
owner() { # path
  local path candidate package
  path=$1
  for candidate in "$path" "${path#/usr}" "/usr$path"; do
    package=$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1) || true
    if [ -n "$package" ]; then packages[$package]=1; return; fi
  done
}

copyright() { # package
  local doc=/usr/share/doc/$1
  [ -f "$doc/copyright" ] || { echo "rootfs.sh: $1 has no $doc/copyright" >&2; return 1; }
  # Some packages' doc directory is a symlink to another's (libgcc-s1 → gcc-12-base).
  [ -L "$doc" ] && { mkdir -p "$dest/usr/share/doc"; cp -a "$doc" "$dest/usr/share/doc/"; }
  copy "$doc/copyright"
}

main "$@"
