// Package cratetest runs compiled scripts of the built-in file crates
// (directory, file, symlink, line-in-file, remote-file, exec-script, user,
// wait-for; service and
// chef-solo as far as this machine allows) for real, in
// temporary directories on the machine running the tests, and checks what
// they did to the files and what status lines they printed.
package cratetest
