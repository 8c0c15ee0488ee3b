# pallet_file_download URL PATH SHA256 MODE OWNER GROUP makes PATH the file
# at URL with that owner, group and mode. A regular file already there with
# the sha256 only gets its owner, group and mode. Otherwise URL is
# downloaded with curl or wget into a temporary file beside PATH, its sha256
# checked, its owner, group and mode given, and only then is it renamed over
# PATH. A failed download or a wrong checksum leaves PATH as it was and no
# temporary file. Who writes is pallet_as_writer's answer (as for
# pallet_write_file).
pallet_file_download() {
  pallet_as_writer "$2" "$5" replace pallet_file_download_as "$@"
}
