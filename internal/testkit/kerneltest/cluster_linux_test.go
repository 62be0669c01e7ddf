package kerneltest

import (
	"os"
	"testing"
)

func TestZombie(t *testing.T) {
	if zombie(os.Getpid()) {
		t.Error("the running test counts as exited")
	}
	if !zombie(1 << 30) {
		t.Error("a missing process counts as running")
	}
}
