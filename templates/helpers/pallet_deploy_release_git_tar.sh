# pallet_deploy_release_git_tar DIR REPO COMMIT writes DIR/archive.tar,
# git archive --format=tar of COMMIT of the repository REPO (a URL or a
# path on the node), and prints its sha256. DIR is a directory only root
# can enter (its caller's mktemp -d); the clone is made there with
# --no-checkout, so no file of the repository is written but the tar. The
# commit is the pin: COMMIT^{commit} in the clone must be COMMIT itself (a
# commit no branch or tag holds is fetched by its name, where the server
# allows it), else nothing is written. git never prompts (no terminal, no
# askpass): credentials come from an ssh key or git's own configuration,
# never from the script.
pallet_deploy_release_git_tar() {
  local dir=$1 repo=$2 commit=$3 have
  if ! command -v git >/dev/null 2>&1; then
    echo "pallet: cannot deploy from $repo: git is not installed (install the git package first, with the package crate)" >&2
    return 1
  fi
  export GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=/bin/false SSH_ASKPASS=/bin/false
  git -c protocol.file.allow=always clone --quiet --no-checkout -- "$repo" "$dir/repo" </dev/null >&2 || {
    echo "pallet: cannot clone $repo: nothing deployed" >&2
    return 1
  }
  if ! git -C "$dir/repo" cat-file -e "$commit^{commit}" 2>/dev/null; then
    git -C "$dir/repo" -c protocol.file.allow=always fetch --quiet origin "$commit" </dev/null >/dev/null 2>&1 || true
  fi
  have=$(git -C "$dir/repo" rev-parse --verify --quiet "$commit^{commit}") || have=''
  if [[ $have != "$commit" ]]; then
    echo "pallet: $repo has no commit $commit${have:+ (it names $have)}: nothing deployed" >&2
    return 1
  fi
  git -C "$dir/repo" archive --format=tar --output="$dir/archive.tar" "$commit" || return 1
  have=$(sha256sum <"$dir/archive.tar") || return 1
  printf '%s\n' "${have%% *}"
}
