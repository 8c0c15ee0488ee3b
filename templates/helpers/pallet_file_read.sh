# pallet_file_read PATH COMMAND [ARG...] runs COMMAND (a program or a
# function) with PATH open on its stdin, once PATH is known to be a regular
# file (a symlink to one counts: callers that must not follow one test -L
# first). Anything else is refused at once, saying what it is: opening a
# FIFO blocks until someone writes to it, and a device may never end, so a
# user's mkfifo would hang the run. PATH is tested before it is opened, and
# the file opened is tested again, through its descriptor, before COMMAND
# reads it. Between the two someone who can replace PATH could swap a FIFO
# in, and that open would block: it is made in a subshell that a watchdog
# kills after 10 seconds, so the step fails instead of hanging. The
# watchdog needs no process of its own to time out (bash's read -t on a
# pipe the subshell closes once it has opened PATH).
# Where pallet_as_reader or pallet_as_writer, running this as root, have
# just walked PATH and found that only root controls the way to it
# (PALLET_ROOT_WAY is PATH), and PATH is no symlink, no one else can swap
# anything in between the test and the open: root opens it directly, with
# no subshell and no watchdog, two processes fewer.
pallet_file_read() {
  local path=$1 kind
  shift
  if [[ ! -f $path ]]; then
    kind=$(exec stat -L -c %F -- "$path" 2>/dev/null) || kind='missing or unreadable'
    printf 'pallet: %s is not a regular file (%s): not reading it\n' "$path" "$kind" >&2
    return 1
  fi
  if ((EUID == 0)) && [[ ${PALLET_ROOT_WAY-} == "$path" && ! -L $path ]]; then
    "$@" <"$path"
    return
  fi
  (
    me=$BASHPID
    exec {watch}> >(
      rc=0
      read -r -t 10 _ || rc=$?
      if ((rc > 128)); then
        printf 'pallet: opening %s took more than 10 seconds (a FIFO put in its place?): not reading it\n' "$path" >&2
        kill -KILL "$me" 2>/dev/null || true
      fi
    )
    exec {fd}<"$path"
    exec {watch}>&-
    if [[ ! -f /dev/fd/$fd ]]; then
      printf 'pallet: %s is not a regular file (it changed while pallet opened it): not reading it\n' "$path" >&2
      exit 1
    fi
    "$@" <&"$fd"
  )
}
