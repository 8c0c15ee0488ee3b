# pallet_archive_unpack_as SHA256 PATH FORMAT STRIP OWNER GROUP is
# pallet_archive's work, run by the writer pallet_as_writer found, with the
# archive on stdin. It copies the archive into a new directory beside PATH
# (mktemp -d, 0700), checks its sha256 and its members' names (none
# absolute, none with a .. component; a zip with no symlink), unpacks it
# there (tar --no-same-owner, so the archive's owners are not taken; unzip
# -o), strips STRIP leading directories, gives everything OWNER:GROUP
# (chown -hR: symlinks themselves, never what they point at), writes the
# stamp .pallet-archive and only then renames the tree onto PATH. An
# existing directory at PATH is renamed aside first, then removed: PATH is
# the old tree or the new one, but for the instant between two renames.
# Anything failing before leaves PATH as it was and no temporary
# directory. GNU tar makes a symlink member pointing out of the tree (an
# absolute target, or one with ..) only once every file is unpacked, so no
# member is written through one.
pallet_archive_unpack_as() {
  local sha=$1 path=$2 format=$3 strip=$4 owner=$5 group=$6 tmp have magic names bad tree i e
  local -a top found
  pallet_file_need_dir "$path" || return 1
  if [[ -L $path || (-e $path && ! -d $path) ]]; then
    echo "pallet: $path is not a directory ($(stat -c %F -- "$path")): not replacing it with the archive's; remove it first" >&2
    return 1
  fi
  tmp=$(mktemp -d "$(dirname -- "$path")/.pallet.XXXXXX") || return 1
  # shellcheck disable=SC2064 # expand $tmp now, quoted: it is local
  trap "rm -rf -- $(printf '%q' "$tmp")" EXIT
  pallet_tmp_remember "$tmp"
  (
    umask 077
    set -C
    cat >"$tmp/archive"
  ) || return 1
  have=$(sha256sum <"$tmp/archive") || return 1
  have=${have%% *}
  if [[ $have != "$sha" ]]; then
    echo "pallet: the archive for $path has sha256 $have, not $sha: $path left as it was" >&2
    return 1
  fi
  if [[ $format == auto ]]; then
    magic=$(head -c 4 -- "$tmp/archive" | od -An -tx1 | tr -d ' \n') || return 1
    format=tar
    if [[ $magic == 504b0304 || $magic == 504b0506 ]]; then
      format=zip
    fi
  fi
  if [[ $format == zip ]]; then
    if ! command -v unzip >/dev/null 2>&1; then
      echo "pallet: cannot unpack $path: unzip is not installed (install it first, with the package crate)" >&2
      return 1
    fi
    names=$(unzip -Z1 -- "$tmp/archive") || {
      echo "pallet: $path: unzip cannot list the archive: it is no zip archive, or a damaged one" >&2
      return 1
    }
    # zipinfo's long lines start with the mode: l for a symlink
    if bad=$(unzip -Z -- "$tmp/archive" | awk '/^l/ { print $NF; found = 1 } END { exit !found }'); then
      printf 'pallet: %s: the zip archive holds symlinks (%s): not unpacking it (unzip could write through them); pack it as a tar\n' "$path" "${bad//$'\n'/, }" >&2
      return 1
    fi
  else
    # -P: the names as they are stored, leading / and all
    names=$(tar -tPf "$tmp/archive") || {
      echo "pallet: $path: tar cannot list the archive: it is no tar archive (gzip, xz, bzip2 or zstd compressed ones need that program), or a damaged one" >&2
      return 1
    }
  fi
  # shellcheck disable=SC2016 # an awk program, for awk to expand
  if bad=$(printf '%s\n' "$names" | awk '/^\// || /(^|\/)\.\.(\/|$)/ { print; found = 1 } END { exit !found }'); then
    printf 'pallet: %s: the archive has members outside the directory (an absolute path or ..): %s: not unpacking it\n' "$path" "${bad//$'\n'/, }" >&2
    return 1
  fi
  mkdir -- "$tmp/tree" || return 1
  if [[ $format == zip ]]; then
    (umask 022 && unzip -q -o -- "$tmp/archive" -d "$tmp/tree") || return 1
    tree=$tmp/tree
    for ((i = 0; i < strip; i++)); do
      top=("$tree"/* "$tree"/.[!.]* "$tree"/..?*)
      found=()
      for e in "${top[@]}"; do
        [[ -e $e || -L $e ]] && found+=("$e")
      done
      if ((${#found[@]} != 1)) || [[ -L ${found[0]} || ! -d ${found[0]} ]]; then
        echo "pallet: $path: strip_components $strip: the zip archive has no single directory at level $((i + 1)) to strip" >&2
        return 1
      fi
      tree=${found[0]}
    done
  else
    (umask 022 && tar -xf "$tmp/archive" -C "$tmp/tree" --no-same-owner --no-same-permissions --strip-components="$strip") || return 1
    tree=$tmp/tree
  fi
  chown -hR -- "$owner:$group" "$tree" || return 1
  (
    umask 022
    set -C
    printf 'pallet archive sha256=%s strip=%s owner=%s group=%s\n' "$sha" "$strip" "$owner" "$group" >"$tree/.pallet-archive"
  ) || return 1
  chown -h -- "$owner:$group" "$tree/.pallet-archive" || return 1
  if [[ -d $path ]]; then
    mv -T -- "$path" "$tmp/old" || return 1
  fi
  if ! mv -T -- "$tree" "$path"; then
    [[ -d $tmp/old ]] && mv -T -- "$tmp/old" "$path"
    return 1
  fi
}
