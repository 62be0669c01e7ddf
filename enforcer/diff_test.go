package enforcer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/netpolc/netpolc/internal/portset"
)

func conns(t *testing.T, spec ...string) *Connectivity {
	t.Helper()
	c := &Connectivity{}
	for _, s := range spec {
		f := strings.Fields(s)
		p, err := portset.Parse(f[2])
		if err != nil {
			t.Fatal(err)
		}
		c.Connections = append(c.Connections, Connection{Src: f[0], Dst: f[1], Ports: p})
	}
	return c
}

func TestDiff(t *testing.T) {
	before := conns(t, "a/x a/y TCP/80", "a/x ip:10.0.0.0-10.255.255.255 all", "b/z a/x UDP/53")
	after := conns(t, "b/z a/x UDP/53", "a/x ip:9.0.0.0-9.255.255.255 all", "a/x a/y TCP/80-81", "a/y a/x TCP/80")
	d := Diff(before, after)
	got := func(cs []Change) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Src+">"+c.Dst+" "+c.Before.String()+"=>"+c.After.String())
		}
		return strings.Join(out, "; ")
	}
	if s := got(d.Opened); s != "a/x>ip:9.0.0.0-9.255.255.255 none=>all; a/y>a/x none=>TCP/80" {
		t.Errorf("opened: %s", s)
	}
	if s := got(d.Closed); s != "a/x>ip:10.0.0.0-10.255.255.255 all=>none" {
		t.Errorf("closed: %s", s)
	}
	if s := got(d.Changed); s != "a/x>a/y TCP/80=>TCP/80-81" {
		t.Errorf("changed: %s", s)
	}
	if o := d.Changed[0].Opened(); o.String() != "TCP/81" || !d.Changed[0].Closed().IsEmpty() {
		t.Errorf("changed opened %v closed %v", o, d.Changed[0].Closed())
	}
	if !Diff(after, after).Empty() {
		t.Error("a matrix differs from itself")
	}
}

func TestConnectivityJSONContract(t *testing.T) {
	c := conns(t, "shop/web shop/app TCP/8080,TCP/8000-8100", "shop/gateway ip:0.0.0.0-255.255.255.255 all")
	c.Sort()
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"endpoints":[],"connections":[` +
		`{"src":"shop/gateway","dst":"ip:0.0.0.0-255.255.255.255","all":true,"ports":[]},` +
		`{"src":"shop/web","dst":"shop/app","all":false,"ports":["TCP/8000-8100"]}]}`
	if string(data) != want {
		t.Errorf("json:\n got %s\nwant %s", data, want)
	}
	var back Connectivity
	if err := json.Unmarshal([]byte(`{"connections":[{"src":"a","dst":"b","ports":["TCP/x"]}]}`), &back); err == nil {
		t.Error("bad port accepted")
	}
}

func TestCompareNames(t *testing.T) {
	names := []string{"ip:::-ffff::", "ip:10.0.0.0-10.0.0.255", "zz/a", "ip:9.0.0.0-9.255.255.255", "aa/b"}
	c := &Connectivity{}
	for _, n := range names {
		c.Endpoints = append(c.Endpoints, Endpoint{Name: n})
	}
	c.Sort()
	var got []string
	for _, e := range c.Endpoints {
		got = append(got, e.Name)
	}
	want := "aa/b zz/a ip:9.0.0.0-9.255.255.255 ip:10.0.0.0-10.0.0.255 ip:::-ffff::"
	if strings.Join(got, " ") != want {
		t.Errorf("order = %v", got)
	}
}
