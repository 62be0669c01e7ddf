package kerneltest

import (
	"fmt"
	"runtime"
	"syscall"
)

// ctnetlink's delete request (include/uapi/linux/netfilter/nfnetlink.h,
// nfnetlink_conntrack.h): IPCTNL_MSG_CT_DELETE of subsystem
// NFNL_SUBSYS_CTNETLINK without a tuple flushes the table of the
// nfgenmsg's family (net/netfilter/nf_conntrack_netlink.c,
// ctnetlink_del_conntrack → ctnetlink_flush_conntrack).
const (
	nfnlSubsysCTNetlink = 1
	ipctnlMsgCTDelete   = 2
)

// FlushConntrack empties the node namespace's conntrack table, so that
// Conntrack then lists only the connections made after it.
func (c *Cluster) FlushConntrack() error {
	nodeFd, err := syscall.Open("/var/run/netns/"+c.node, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		// The thread never returns to the runtime (as probe does).
		runtime.LockOSThread()
		defer syscall.Close(nodeFd)
		if _, _, e := syscall.RawSyscall(sysSetns, uintptr(nodeFd), syscall.CLONE_NEWNET, 0); e != 0 {
			done <- fmt.Errorf("setns: %w", e)
			return
		}
		done <- flushConntrack()
	}()
	return <-done
}

func flushConntrack() error {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_NETFILTER)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	for i, family := range []byte{syscall.AF_INET, syscall.AF_INET6} {
		if err := request(fd, nfnlSubsysCTNetlink<<8|ipctnlMsgCTDelete, family, 0, uint32(i+1), nil); err != nil {
			return fmt.Errorf("flush conntrack: %w (no nf_conntrack_netlink?)", err)
		}
	}
	return nil
}
