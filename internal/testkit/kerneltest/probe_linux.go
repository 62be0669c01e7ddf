package kerneltest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// maxParallel bounds concurrent probes (each holds an OS thread).
const maxParallel = 128

// Probe runs the probes in parallel and returns their outcomes, in order.
// A probe waits at most timeout for an answer.
func (c *Cluster) Probe(probes []Probe, timeout time.Duration) []Outcome {
	out := make([]Outcome, len(probes))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, pr := range probes {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			o, err := c.probe(pr, timeout)
			if err != nil {
				c.t.Logf("probe %s -> %s %s: %v", c.pods[pr.From].spec.Name, pr.To, pr.Port, err)
			}
			out[i] = o
		})
	}
	wg.Wait()
	return out
}

// probe runs one probe from inside the source pod's namespace: the
// goroutine locks its thread, moves it there and never unlocks it, so the
// thread ends with the goroutine instead of going back to the runtime in
// a foreign namespace.
func (c *Cluster) probe(pr Probe, timeout time.Duration) (Outcome, error) {
	type result struct {
		o   Outcome
		err error
	}
	done := make(chan result, 1)
	fd := c.pods[pr.From].fd
	go func() {
		runtime.LockOSThread()
		if _, _, e := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); e != 0 {
			done <- result{Failed, fmt.Errorf("setns: %w", e)}
			return
		}
		o, err := dial(pr, timeout, c.sourcePort())
		done <- result{o, err}
	}()
	r := <-done
	return r.o, r.err
}

// sourcePort hands out UDP source ports, never the same twice in a while:
// a probe reusing the 5-tuple of a connection an earlier ruleset allowed
// would match its live conntrack entry (30s for UDP) and get through
// whatever the ruleset now says.
func (c *Cluster) sourcePort() int {
	return firstSourcePort + int(c.nextPort.Add(1)%sourcePorts)
}

// The source ports probes use: below the ephemeral range, above every
// port the tests listen on.
const (
	firstSourcePort = 10000
	sourcePorts     = 22000
)

func dial(pr Probe, timeout time.Duration, srcPort int) (Outcome, error) {
	addr := netip.AddrPortFrom(pr.To, uint16(pr.Port.Num)).String()
	switch pr.Port.Proto {
	case portset.TCP:
		conn, err := net.DialTimeout("tcp", addr, timeout)
		if err == nil {
			conn.Close()
			return Reachable, nil
		}
		return classify(err)
	case portset.UDP:
		return dialUDP(addr, srcPort, timeout)
	}
	return dialSCTP(pr, timeout)
}

// dialUDP sends up to three datagrams on a connected socket within the
// timeout: an echo is Reachable, ECONNREFUSED (an ICMP port unreachable)
// Closed, silence Dropped.
func dialUDP(addr string, srcPort int, timeout time.Duration) (Outcome, error) {
	d := net.Dialer{LocalAddr: &net.UDPAddr{Port: srcPort}}
	conn, err := d.Dial("udp", addr)
	if err != nil {
		return Failed, err
	}
	defer conn.Close()
	payload := []byte("netpolc-probe")
	buf := make([]byte, 64)
	for range 3 {
		if _, err := conn.Write(payload); err != nil {
			return classify(err)
		}
		conn.SetReadDeadline(time.Now().Add(timeout / 3))
		n, err := conn.Read(buf)
		if err == nil && bytes.Equal(buf[:n], payload) {
			return Reachable, nil
		}
		if o, cerr := classify(err); o != Dropped {
			return o, cerr
		}
	}
	return Dropped, nil
}

// classify reads a dial or read error.
func classify(err error) (Outcome, error) {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Closed, nil
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return Dropped, nil
	}
	return Failed, err
}

// dialSCTP connects a one-to-one SCTP socket without blocking and waits
// for the outcome with select (the net package has no SCTP).
func dialSCTP(pr Probe, timeout time.Duration) (Outcome, error) {
	family := syscall.AF_INET6
	var sa syscall.Sockaddr = &syscall.SockaddrInet6{Port: int(pr.Port.Num), Addr: pr.To.As16()}
	if pr.To.Is4() {
		family, sa = syscall.AF_INET, &syscall.SockaddrInet4{Port: int(pr.Port.Num), Addr: pr.To.As4()}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		return Failed, err
	}
	defer syscall.Close(fd)
	if err := syscall.Connect(fd, sa); err != nil && err != syscall.EINPROGRESS {
		return classify(err)
	}
	var w syscall.FdSet
	w.Bits[fd/64] |= 1 << (uint(fd) % 64)
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	n, err := syscall.Select(fd+1, nil, &w, nil, &tv)
	if err != nil {
		return Failed, err
	}
	if n == 0 {
		return Dropped, nil
	}
	soErr, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err != nil {
		return Failed, err
	}
	if soErr != 0 {
		return classify(syscall.Errno(soErr))
	}
	return Reachable, nil
}
