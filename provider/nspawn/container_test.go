package nspawn

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestWaitAddrFree: destroy fails, saying where, while something still
// accepts connections on the node's address, and passes once nothing does.
func TestWaitAddrFree(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	err = waitAddrFree(context.Background(), addr, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "still accepts connections on "+addr) {
		t.Errorf("with a listener on %s: err = %v", addr, err)
	}
	ln.Close()
	if err := waitAddrFree(context.Background(), addr, 300*time.Millisecond); err != nil {
		t.Errorf("with nothing on %s: %v", addr, err)
	}
}
