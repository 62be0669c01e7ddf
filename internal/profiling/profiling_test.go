package profiling

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestStartWritesTheProfilesTheEnvironmentNames(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	t.Setenv("NETPOLC_CPUPROFILE", cpu)
	t.Setenv("NETPOLC_MEMPROFILE", mem)
	var stderr bytes.Buffer
	stop := Start(&stderr)
	sink := make([][]byte, 0, 64)
	for range 64 {
		sink = append(sink, make([]byte, 1<<20)) // past the sampling rate
	}
	stop()
	_ = sink
	if stderr.Len() > 0 {
		t.Fatalf("stderr: %s", stderr.String())
	}
	for _, path := range []string{cpu, mem} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) { // pprof's gzipped protobuf
			t.Errorf("%s is not a pprof profile (%d bytes)", path, len(b))
		}
	}
}

func TestStartWithoutTheEnvironmentWritesNothing(t *testing.T) {
	t.Setenv("NETPOLC_CPUPROFILE", "")
	t.Setenv("NETPOLC_MEMPROFILE", "")
	t.Chdir(t.TempDir())
	Start(os.Stderr)()
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		t.Errorf("wrote %v", entries)
	}
}

func TestStartReportsAPathItCannotCreate(t *testing.T) {
	t.Setenv("NETPOLC_CPUPROFILE", filepath.Join(t.TempDir(), "missing", "cpu.prof"))
	t.Setenv("NETPOLC_MEMPROFILE", "")
	var stderr bytes.Buffer
	Start(&stderr)()
	if !bytes.Contains(stderr.Bytes(), []byte("NETPOLC_CPUPROFILE")) {
		t.Errorf("stderr %q does not name the variable", stderr.String())
	}
}
