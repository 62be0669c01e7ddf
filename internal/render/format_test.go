package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/netpolc/netpolc/enforcer"
	"github.com/netpolc/netpolc/internal/portset"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func mustPorts(t *testing.T, s string) portset.Set {
	t.Helper()
	p, err := portset.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sample is a small hand-built matrix covering every shape of output.
func sample(t *testing.T) *enforcer.Connectivity {
	c := &enforcer.Connectivity{
		Endpoints: []enforcer.Endpoint{
			{Name: "shop/app", Namespace: "shop", Kind: "Deployment"},
			{Name: "shop/gateway", Namespace: "shop", Kind: "Deployment"},
			{Name: "shop/web", Namespace: "shop", Kind: "StatefulSet"},
			{Name: "kube-system/coredns", Namespace: "kube-system", Kind: "Deployment"},
			{Name: "ip:0.0.0.0-9.255.255.255", Kind: enforcer.KindExternal},
			{Name: "ip:10.0.0.0-10.255.255.255", Kind: enforcer.KindExternal},
		},
		Connections: []enforcer.Connection{
			{Src: "shop/app", Dst: "kube-system/coredns", Ports: mustPorts(t, "UDP/53,TCP/53")},
			{Src: "shop/gateway", Dst: "ip:0.0.0.0-9.255.255.255", Ports: portset.All()},
			{Src: "shop/gateway", Dst: "shop/web", Ports: mustPorts(t, "TCP/8080,TCP/8000-8010")},
			{Src: "shop/web", Dst: "shop/app", Ports: mustPorts(t, "TCP/9000,SCTP/9000")},
			{Src: "ip:10.0.0.0-10.255.255.255", Dst: "shop/gateway", Ports: mustPorts(t, "TCP/443")},
		},
	}
	c.Sort()
	return c
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestFormatsGolden(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			f, err := ByName(name)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Format(f, &buf, sample(t), Options{}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "sample."+name, buf.Bytes())
			buf.Reset()
			if err := Format(f, &buf, &enforcer.Connectivity{}, Options{}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "empty."+name, buf.Bytes())
		})
	}
}

func TestByNameUnknown(t *testing.T) {
	if _, err := ByName("yaml"); err == nil {
		t.Error("ByName(yaml) succeeded")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Format(JSON{}, &buf, sample(t), Options{}); err != nil {
		t.Fatal(err)
	}
	var back enforcer.Connectivity
	if err := back.UnmarshalJSON(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if d := enforcer.Diff(sample(t), &back); !d.Empty() {
		t.Errorf("round trip changed the matrix: %+v", d)
	}
}

func TestWriteDiff(t *testing.T) {
	before := sample(t)
	after := sample(t)
	after.Connections = append(after.Connections[:1:1], after.Connections[2:]...)
	after.Connections[1].Ports = mustPorts(t, "TCP/8080-8081")
	after.Connections = append(after.Connections, enforcer.Connection{
		Src: "shop/web", Dst: "kube-system/coredns", Ports: mustPorts(t, "UDP/53")})
	var buf bytes.Buffer
	if err := WriteDiff(&buf, enforcer.Diff(before, after)); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "diff.txt", buf.Bytes())
}
