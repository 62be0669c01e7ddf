package kerneltest

// sysSetns is setns(2), missing from package syscall on amd64.
const sysSetns = 308
