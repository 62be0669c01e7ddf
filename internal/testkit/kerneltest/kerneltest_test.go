package kerneltest

import (
	"reflect"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"
)

func TestPortsRoundTrip(t *testing.T) {
	ports := []Port{{portset.TCP, 80}, {portset.UDP, 53}, {portset.SCTP, 9000}}
	got, err := decodePorts(encodePorts(ports))
	if err != nil || !reflect.DeepEqual(got, ports) {
		t.Fatalf("decodePorts(encodePorts(%v)) = %v, %v", ports, got, err)
	}
	if _, err := decodePorts("ICMP/1"); err == nil {
		t.Error("ICMP/1 decoded")
	}
}
