# pallet_nftables_load TMP PATH is the check pallet_write_file runs on a
# new ruleset file TMP before it is renamed over PATH: nft -c -f TMP must
# accept it (nft parses it and has the kernel check it, changing nothing),
# then nft -f TMP loads it, as one transaction: a ruleset nft rejects at
# either stage leaves the live ruleset as it was, and, since this fails,
# PATH too. nft's message is printed with TMP named as PATH (its line
# numbers are the new content's). Loading before the rename keeps the file
# in step with what was loaded last: the file changes only once its
# ruleset is live.
pallet_nftables_load() {
  local tmp=$1 path=$2 out
  if ! command -v nft >/dev/null; then
    echo "pallet: no nft: install nftables first (the nftables crate does)" >&2
    return 1
  fi
  if ! out=$(nft -c -f "$tmp" 2>&1); then
    printf '%s\nnft rejected the new ruleset for %s: neither %s nor the live ruleset changed\n' "${out//"$tmp"/"$path (new)"}" "$path" "$path" >&2
    return 1
  fi
  if ! out=$(nft -f "$tmp" 2>&1); then
    printf '%s\nnft could not load the new ruleset for %s: neither %s nor the live ruleset changed\n' "${out//"$tmp"/"$path (new)"}" "$path" "$path" >&2
    return 1
  fi
}
