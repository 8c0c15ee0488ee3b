# pallet_url_status_is URL STATUS succeeds when a GET of URL answers with
# the HTTP status STATUS (redirects are not followed: a 301 is a 301). It
# fails with 1 when the answer is another status or none (refused, timed
# out after 5 seconds), and with 2 when it cannot ask: neither curl nor
# GNU wget is installed. The URL goes to curl on stdin (-K -, a config
# file), to GNU wget on stdin (-i -), never on a command line every user
# can read: it may carry a token. busybox wget takes URLs only as
# arguments, so there curl is needed.
pallet_url_status_is() {
  local url=$1 want=$2 quoted have line
  if command -v curl >/dev/null 2>&1; then
    # a curl config string: \ and " escaped (the URL holds no white space)
    quoted=${url//\\/\\\\}
    quoted=${quoted//\"/\\\"}
    have=$(printf 'url = "%s"\n' "$quoted" | curl -s -o /dev/null -w '%{http_code}' --max-time 5 -K -) || have=
  elif command -v wget >/dev/null 2>&1 && [[ $(wget --version 2>/dev/null || true) == *'GNU Wget'* ]]; then
    # -S prints the response headers; wget fails on a 4xx or 5xx, which
    # may be the status wanted, so only its output counts
    have=
    while IFS= read -r line; do
      if [[ $line =~ ^\ *HTTP/[0-9.]+\ ([0-9]{3}) ]]; then
        have=${BASH_REMATCH[1]}
      fi
    done < <(printf '%s\n' "$url" | wget -S -O /dev/null --max-redirect=0 -T 5 -t 1 -i - 2>&1 || true)
  else
    echo "pallet: cannot ask for the url: neither curl nor GNU wget is installed (busybox wget would need the url on its command line); install curl first, with the package crate" >&2
    return 2
  fi
  [[ $have == "$want" ]] || return 1
}
