# pallet_salted_sha256 SALT prints sha256(SALT || stdin), as sha256sum
# does ("HEX  -"); with an empty SALT, stdin's own sha256. Secret content
# is pinned so (see pallet_payload).
pallet_salted_sha256() {
  { printf '%s' "$1"; cat; } | sha256sum
}
