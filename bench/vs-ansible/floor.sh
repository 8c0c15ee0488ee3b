# The benchmark's floor: the workload's ten things done by hand, the plain
# way an admin would write them in one bash script run as root (run.sh puts
# `key=...`, deploy's public key, in front of it and pipes it into
# `ssh node sudo -n bash -s`). Each thing is checked first, so a second run
# changes nothing, and counted when changed; the last line says how many:
# "floor: changed N of 10". It does none of pallet's safety work (no walk
# for who controls a path, no privilege drop in deploy's home, no O_EXCL
# temporary files, no FIFO watchdog): that is what the floor leaves out.
set -euo pipefail
umask 022
changed=0
did() { changed=$((changed + 1)); }
# meta PATH prints "mode owner:group", nothing when PATH is missing
meta() { stat -c '%a %U:%G' -- "$1" 2>/dev/null || true; }
# same PATH CONTENT: PATH holds exactly CONTENT
same() { [[ -f $1 ]] && cmp -s -- "$1" - <<<"$2"; }
# put PATH MODE OWNER GROUP CONTENT, through a temporary file and mv
put() {
	printf '%s\n' "$5" >"$1.tmp"
	chown "$3:$4" "$1.tmp"
	chmod "$2" "$1.tmp"
	mv -f "$1.tmp" "$1"
}

# 1. user deploy, bash, home directory
if ! id -u deploy >/dev/null 2>&1; then
	useradd -m -s /bin/bash deploy
	did
fi

# 2. deploy's authorized key
ssh=/home/deploy/.ssh
if ! grep -qxF -- "$key" "$ssh/authorized_keys" 2>/dev/null ||
	[[ $(meta "$ssh") != "700 deploy:deploy" || $(meta "$ssh/authorized_keys") != "600 deploy:deploy" ]]; then
	install -d -m 0700 -o deploy -g deploy "$ssh"
	grep -qxF -- "$key" "$ssh/authorized_keys" 2>/dev/null || printf '%s\n' "$key" >>"$ssh/authorized_keys"
	chown deploy:deploy "$ssh/authorized_keys"
	chmod 0600 "$ssh/authorized_keys"
	did
fi

# 3. the sudoers drop-in, checked by visudo before it goes live
rule='deploy ALL=(ALL:ALL) NOPASSWD: ALL'
if ! same /etc/sudoers.d/deploy "$rule" || [[ $(meta /etc/sudoers.d/deploy) != "440 root:root" ]]; then
	printf '%s\n' "$rule" >/etc/sudoers.d/.deploy.tmp
	chmod 0440 /etc/sudoers.d/.deploy.tmp
	visudo -cf /etc/sudoers.d/.deploy.tmp >/dev/null
	mv -f /etc/sudoers.d/.deploy.tmp /etc/sudoers.d/deploy
	did
fi

# 4. three directories
want_dir() { # PATH MODE OWNER GROUP
	if [[ $(meta "$1") != "$2 $3:$4" ]]; then
		install -d -m "$2" -o "$3" -g "$4" "$1"
		did
	fi
}
want_dir /srv/bench 755 root root
want_dir /srv/bench/conf 750 root deploy
want_dir /srv/bench/data 700 deploy deploy

# 5. two files with content
want_file() { # PATH MODE OWNER GROUP CONTENT (without its last newline)
	if ! same "$1" "$5" || [[ $(meta "$1") != "$2 $3:$4" ]]; then
		put "$@"
		did
	fi
}
want_file /srv/bench/conf/app.conf 640 root deploy '# written by the pallet vs ansible benchmark
listen = 127.0.0.1:8080
workers = 4'
want_file /srv/bench/README 644 root root 'This node was configured by the benchmark.'

# 6. a line in sshd_config, replacing the commented default
if ! grep -qx 'ClientAliveInterval 300' /etc/ssh/sshd_config; then
	sed -i -E 's/^#?ClientAliveInterval .*/ClientAliveInterval 300/' /etc/ssh/sshd_config
	grep -qx 'ClientAliveInterval 300' /etc/ssh/sshd_config ||
		echo 'ClientAliveInterval 300' >>/etc/ssh/sshd_config
	did
fi

# 7. a package, already installed
if ! dpkg -s sudo >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo
	did
fi

echo "floor: changed $changed of 10"
