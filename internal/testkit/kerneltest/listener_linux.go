package kerneltest

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/netpolc/netpolc/internal/portset"
)

// HelperListener is the body of the listener helper test. Run normally it
// returns at once (the test passes); re-executed by a Cluster inside a pod
// namespace, it listens on the requested ports of every address (TCP:
// accept and close; UDP: echo; SCTP: accept and close), prints "ready"
// and serves until killed.
func HelperListener() {
	spec := os.Getenv(listenEnv)
	if spec == "" {
		return
	}
	ports, err := decodePorts(spec)
	if err != nil {
		fail(err)
	}
	for _, p := range ports {
		if err := listen(p); err != nil {
			fail(fmt.Errorf("listen %s: %w", p, err))
		}
	}
	// Exit with the test that started us, even if it dies before its
	// cleanup: the parent changes when the test process is gone.
	parent := os.Getppid()
	fmt.Println("ready")
	for os.Getppid() == parent {
		time.Sleep(200 * time.Millisecond)
	}
	os.Exit(0)
}

func fail(err error) {
	fmt.Println("error:", err)
	os.Exit(1)
}

func listen(p Port) error {
	addr := fmt.Sprintf("[::]:%d", p.Num) // dual-stack: IPv4 arrives mapped
	switch p.Proto {
	case portset.TCP:
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		go func() {
			for {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}
		}()
	case portset.UDP:
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		go func() {
			buf := make([]byte, 512)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err == nil {
					pc.WriteTo(buf[:n], from)
				}
			}
		}()
	case portset.SCTP:
		return listenSCTP(int(p.Num))
	}
	return nil
}

// listenSCTP listens with a one-to-one SCTP socket (the net package has no
// SCTP).
func listenSCTP(port int) error {
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		return err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet6{Port: port}); err != nil {
		return err
	}
	if err := syscall.Listen(fd, 128); err != nil {
		return err
	}
	go func() {
		for {
			if nfd, _, err := syscall.Accept(fd); err == nil {
				syscall.Close(nfd)
			}
		}
	}()
	return nil
}
