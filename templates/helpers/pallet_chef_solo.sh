# pallet_chef_solo RUN-LIST JSON ACCEPT-LICENSE COOKBOOK-DIR... runs
# chef-solo (or Cinc's cinc-solo) once with a throw-away config naming the
# cookbook directories, RUN-LIST (comma-separated, passed with -o) and JSON
# as the node attributes. It fails, saying how to install chef, when no
# chef-solo is found.
pallet_chef_solo() {
  local run_list=$1 json=$2 license=$3 bin='' dir c sep=''
  shift 3
  for c in chef-solo cinc-solo /opt/chef/bin/chef-solo /opt/cinc/bin/cinc-solo; do
    if command -v "$c" >/dev/null 2>&1; then
      bin=$(command -v "$c")
      break
    fi
  done
  if [[ -z $bin ]]; then
    echo "pallet: chef-solo is not installed and this OS has no chef package: install Cinc (curl -L https://omnitruck.cinc.sh/install.sh | bash) or Chef Infra Client (curl -L https://omnitruck.chef.io/install.sh | bash), for example with exec-script in an earlier step" >&2
    return 1
  fi
  dir=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $dir now, quoted: it is local
  trap "rm -rf -- $(printf '%q' "$dir")" EXIT
  pallet_tmp_remember "$dir"
  # Cookbook paths hold no ' or \ (the crate's pattern), so Ruby's
  # single-quoted strings take them literally.
  {
    printf 'cookbook_path ['
    for c in "$@"; do
      printf "%s'%s'" "$sep" "$c"
      sep=', '
    done
    printf ']\n'
  } >"$dir/solo.rb"
  printf '%s\n' "${json:-"{}"}" >"$dir/attributes.json"
  if [[ $license == true ]]; then
    export CHEF_LICENSE=accept-no-persist
  fi
  "$bin" --no-color -c "$dir/solo.rb" -j "$dir/attributes.json" -o "$run_list"
}
