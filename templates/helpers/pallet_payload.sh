# pallet_payload SHA256 prints the path of the payload with that sha256,
# <SHA256>.payload beside the script (pallet-run uploads a script's
# payloads into its private upload directory; palletc build writes them
# beside the script), once its content is known to have that sha256. A
# payload that is missing, not a regular file or changed fails, saying so,
# and prints nothing, so the command it was to feed fails too.
# pallet_payload SHA256 SALT is the same for a secret payload, whose
# SHA256 is sha256(SALT || content): the script never holds a secret's
# own sha256.
pallet_payload() {
  local want=$1 salt=${2-} script dir file have
  script=${BASH_SOURCE[${#BASH_SOURCE[@]} - 1]}
  dir=.
  [[ $script == */* ]] && dir=${script%/*}
  file=$dir/$want.payload
  if [[ ! -f $file || -L $file ]]; then
    printf 'pallet: payload %s is missing: it must be beside the script, as pallet-run uploads it and palletc build writes it\n' "$file" >&2
    return 1
  fi
  have=$(pallet_file_read "$file" pallet_salted_sha256 "$salt") || return 1
  have=${have%% *}
  if [[ $have != "$want" ]]; then
    printf 'pallet: payload %s has sha256 %s, the script wants %s: it changed after palletc compiled it; not using it\n' "$file" "$have" "$want" >&2
    return 1
  fi
  printf '%s\n' "$file"
}
