package portset

import (
	"slices"
	"testing"
)

func mustParse(t testing.TB, s string) Set {
	t.Helper()
	set, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return set
}

func TestStrings(t *testing.T) {
	tests := []struct {
		in   Set
		want string
	}{
		{Empty(), "none"},
		{All(), "all"},
		{Port(TCP, 80), "TCP/80"},
		{PortRange(TCP, 8000, 8100), "TCP/8000-8100"},
		{Port(UDP, 53).Union(Port(TCP, 53)), "TCP/53,UDP/53"},
		{Port(SCTP, 9000).Union(Port(TCP, 80)), "TCP/80,SCTP/9000"},
		{AllPorts(UDP), "UDP/1-65535"},
		{PortRange(TCP, 0, 10), "TCP/1-10"},
		{PortRange(TCP, 10, 9), "none"},
		{AllPorts(TCP).Union(AllPorts(UDP)).Union(AllPorts(SCTP)), "all"},
		{Port(TCP, 80).Union(Port(TCP, 81)), "TCP/80-81"},
		{Port(TCP, 81).Union(Port(TCP, 79)), "TCP/79,TCP/81"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if back := mustParse(t, tt.want); !back.Equal(tt.in) {
			t.Errorf("Parse(%q) = %v, want %v", tt.want, back, tt.in)
		}
	}
}

func TestAlgebra(t *testing.T) {
	tests := []struct {
		a, b                      string
		union, intersect, aMinusB string
	}{
		{"TCP/80", "TCP/81", "TCP/80-81", "none", "TCP/80"},
		{"TCP/1-100", "TCP/50-60", "TCP/1-100", "TCP/50-60", "TCP/1-49,TCP/61-100"},
		{"TCP/1-100", "UDP/50-60", "TCP/1-100,UDP/50-60", "none", "TCP/1-100"},
		{"all", "TCP/80", "all", "TCP/80", "TCP/1-79,TCP/81-65535,UDP/1-65535,SCTP/1-65535"},
		{"TCP/80", "all", "all", "TCP/80", "none"},
		{"none", "UDP/53", "UDP/53", "none", "none"},
		{"TCP/1-10,TCP/20-30", "TCP/5-25", "TCP/1-30", "TCP/5-10,TCP/20-25", "TCP/1-4,TCP/26-30"},
		{"TCP/1-65535", "TCP/1", "TCP/1-65535", "TCP/1", "TCP/2-65535"},
		{"SCTP/9000", "SCTP/9000", "SCTP/9000", "SCTP/9000", "none"},
		{"TCP,UDP", "SCTP", "all", "none", "TCP,UDP"},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a), mustParse(t, tt.b)
		if got, want := a.Union(b), mustParse(t, tt.union); !got.Equal(want) {
			t.Errorf("%s ∪ %s = %v, want %v", tt.a, tt.b, got, want)
		}
		if got, want := a.Intersect(b), mustParse(t, tt.intersect); !got.Equal(want) {
			t.Errorf("%s ∩ %s = %v, want %v", tt.a, tt.b, got, want)
		}
		if got, want := a.Subtract(b), mustParse(t, tt.aMinusB); !got.Equal(want) {
			t.Errorf("%s − %s = %v, want %v", tt.a, tt.b, got, want)
		}
	}
}

func TestContains(t *testing.T) {
	s := mustParse(t, "TCP/80,TCP/8000-8100,UDP/53")
	for _, tt := range []struct {
		p    Protocol
		port int32
		want bool
	}{
		{TCP, 80, true}, {TCP, 81, false}, {TCP, 8000, true}, {TCP, 8100, true},
		{TCP, 8101, false}, {UDP, 53, true}, {UDP, 80, false}, {SCTP, 80, false},
	} {
		if got := s.Contains(tt.p, tt.port); got != tt.want {
			t.Errorf("Contains(%v, %d) = %v", tt.p, tt.port, got)
		}
	}
	if !All().Contains(SCTP, 65535) || Empty().Contains(TCP, 1) {
		t.Error("All/Empty Contains wrong")
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"ICMP/1", "TCP/0", "TCP/70000", "TCP/9-8", "TCP/x", "TCP/1-"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
}

func TestStringsOrder(t *testing.T) {
	got := mustParse(t, "SCTP/9000,UDP/53,TCP/8000-8100,TCP/80").Strings()
	want := []string{"TCP/80", "TCP/8000-8100", "UDP/53", "SCTP/9000"}
	if !slices.Equal(got, want) {
		t.Errorf("Strings() = %q, want %q", got, want)
	}
}
