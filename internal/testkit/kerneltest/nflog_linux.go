package kerneltest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// nfnetlink_log's protocol (include/uapi/linux/netfilter/nfnetlink_log.h
// and nfnetlink.h): messages of subsystem NFNL_SUBSYS_ULOG after an
// nfgenmsg header; the log statement's packets arrive as NFULNL_MSG_PACKET
// with the prefix and the packet (from its network header) as attributes.
const (
	nfnlSubsysULOG   = 4
	nfulnlMsgPacket  = 0
	nfulnlMsgConfig  = 1
	nfulaCfgCmd      = 1
	nfulaCfgMode     = 2
	nfulaCfgTimeout  = 4
	nfulaCfgQThresh  = 5
	nfulnlCfgCmdBind = 1
	nfulnlCopyPacket = 2
	nfgenHeaderLen   = 4
)

// NFLog is a listener on one nflog group of the node's namespace, where
// the ruleset is loaded.
type NFLog struct {
	mu   sync.Mutex
	got  []Logged
	err  error
	stop atomic.Bool
	done chan struct{}
}

// ListenNFLog binds a netlink socket to the nflog group in the node's
// namespace and collects every packet logged to it until Stop. It fails
// where the kernel has no nfnetlink_log (the bind is refused).
func (c *Cluster) ListenNFLog(group uint16) (*NFLog, error) {
	nodeFd, err := syscall.Open("/var/run/netns/"+c.node, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	l := &NFLog{done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		// The thread moves to the node's namespace and never comes back
		// to the runtime (as probe does): it ends with the goroutine.
		runtime.LockOSThread()
		defer close(l.done)
		defer syscall.Close(nodeFd)
		if _, _, e := syscall.RawSyscall(sysSetns, uintptr(nodeFd), syscall.CLONE_NEWNET, 0); e != 0 {
			ready <- fmt.Errorf("setns: %w", e)
			return
		}
		fd, err := bindNFLog(group)
		if err != nil {
			ready <- err
			return
		}
		defer syscall.Close(fd)
		ready <- nil
		l.read(fd)
	}()
	if err := <-ready; err != nil {
		<-l.done
		return nil, err
	}
	return l, nil
}

// bindNFLog opens the socket, binds it to group with whole packets
// copied, flushed one by one (qthreshold 1, timeout 10 ms), and a receive
// timeout so that read can see Stop.
func bindNFLog(group uint16) (int, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_NETFILTER)
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) { syscall.Close(fd); return -1, err }
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fail(err)
	}
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<20)
	tv := syscall.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return fail(err)
	}
	mode := binary.BigEndian.AppendUint32(nil, 256) // copy range
	mode = append(mode, nfulnlCopyPacket, 0)
	for i, attrs := range [][]nlAttr{
		{{nfulaCfgCmd, []byte{nfulnlCfgCmdBind}}},
		{{nfulaCfgMode, mode}, {nfulaCfgQThresh, binary.BigEndian.AppendUint32(nil, 1)}, {nfulaCfgTimeout, binary.BigEndian.AppendUint32(nil, 1)}},
	} {
		if err := request(fd, nfnlSubsysULOG<<8|nfulnlMsgConfig, syscall.AF_UNSPEC, group, uint32(i+1), attrs); err != nil {
			return fail(fmt.Errorf("nflog group %d: %w (no nfnetlink_log?)", group, err))
		}
	}
	return fd, nil
}

type nlAttr struct {
	typ  uint16
	data []byte
}

// request sends one nfnetlink request (an nfgenmsg of family and resID,
// then attrs) and waits for its ack.
func request(fd int, typ uint16, family byte, resID uint16, seq uint32, attrs []nlAttr) error {
	body := []byte{family, 0}
	body = binary.BigEndian.AppendUint16(body, resID)
	for _, a := range attrs {
		body = binary.NativeEndian.AppendUint16(body, uint16(4+len(a.data)))
		body = binary.NativeEndian.AppendUint16(body, a.typ)
		body = append(body, a.data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	msg := binary.NativeEndian.AppendUint32(nil, uint32(syscall.NLMSG_HDRLEN+len(body)))
	msg = binary.NativeEndian.AppendUint16(msg, typ)
	msg = binary.NativeEndian.AppendUint16(msg, syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
	msg = binary.NativeEndian.AppendUint32(msg, seq)
	msg = binary.NativeEndian.AppendUint32(msg, 0)
	msg = append(msg, body...)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_ERROR && len(m.Data) >= 4 {
			if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
				return syscall.Errno(-code)
			}
			return nil
		}
	}
	return errors.New("no ack")
}

// read collects packets until Stop; a lost message (ENOBUFS) is an error.
func (l *NFLog) read(fd int) {
	buf := make([]byte, 1<<16)
	for !l.stop.Load() {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			l.fail(fmt.Errorf("nflog: %w", err))
			return
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			l.fail(err)
			return
		}
		for _, m := range msgs {
			if m.Header.Type != nfnlSubsysULOG<<8|nfulnlMsgPacket || len(m.Data) < nfgenHeaderLen {
				continue
			}
			if lg, ok := parseLogged(m.Data[nfgenHeaderLen:]); ok {
				l.mu.Lock()
				l.got = append(l.got, lg)
				l.mu.Unlock()
			}
		}
	}
}

func (l *NFLog) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
	}
}

// Stop ends the listener and returns what it collected.
func (l *NFLog) Stop() ([]Logged, error) {
	l.stop.Store(true)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got, l.err
}
