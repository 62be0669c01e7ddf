package kerneltest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// check tells why kernel tests cannot run here, or nil.
func check() error {
	if os.Geteuid() != 0 {
		return errors.New("not root (network namespaces and nft need CAP_NET_ADMIN)")
	}
	var missing []string
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not found (apt-get install -y nftables iproute2)", strings.Join(missing, " and "))
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return fmt.Errorf("no network namespace support: %v", err)
	}
	// A throwaway namespace proves netns work and that bridged traffic
	// reaches the inet hooks (br_netfilter).
	ns := fmt.Sprintf("%s%d-check", prefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot create a network namespace: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", bridgeNF+"iptables").CombinedOutput()
	if err != nil {
		return fmt.Errorf("no br_netfilter (%siptables unreadable: %v: %s)", bridgeNF, err, out)
	}
	return nil
}

// SCTPSupported reports whether the kernel has SCTP (namespaces share the
// kernel, so the answer holds in every pod).
func SCTPSupported() bool {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_SCTP)
	if err != nil {
		return false
	}
	syscall.Close(fd)
	return true
}
