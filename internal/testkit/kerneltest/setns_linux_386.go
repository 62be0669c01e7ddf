package kerneltest

// sysSetns is setns(2), missing from package syscall on 386.
const sysSetns = 346
