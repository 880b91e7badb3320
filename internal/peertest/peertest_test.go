package peertest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// Frames here are written by hand so that these tests prove the peers, not
// the project's client.

const ioTimeout = 3 * time.Second

// mbap builds a Modbus/TCP request: MBAP header then the PDU.
func mbap(tid uint16, unit byte, pdu ...byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, tid)
	b = append(b, 0, 0) // protocol ID
	b = binary.BigEndian.AppendUint16(b, uint16(len(pdu)+1))
	b = append(b, unit)
	return append(b, pdu...)
}

// read16 builds the PDU of a register or bit read.
func read16(fc byte, addr, qty uint16) []byte {
	b := []byte{fc}
	b = binary.BigEndian.AppendUint16(b, addr)
	return binary.BigEndian.AppendUint16(b, qty)
}

// tcpAsk sends req on c and returns the whole MBAP reply (header included).
func tcpAsk(t *testing.T, c net.Conn, req []byte) ([]byte, error) {
	t.Helper()
	return tcpAskWithin(t, c, req, ioTimeout)
}

// tcpAskWithin is tcpAsk with a deadline of d for the whole exchange.
func tcpAskWithin(t *testing.T, c net.Conn, req []byte, d time.Duration) ([]byte, error) {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(d)); err != nil {
		return nil, err
	}
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	head := make([]byte, 7)
	if _, err := io.ReadFull(c, head); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(head[4:6]))
	if n < 2 || n > 254 {
		t.Fatalf("reply header % X: bad length %d", head, n)
	}
	rest := make([]byte, n-1)
	if _, err := io.ReadFull(c, rest); err != nil {
		return nil, err
	}
	return append(head, rest...), nil
}

// mustAsk is tcpAsk that fails the test on error and checks TID and unit.
func mustAsk(t *testing.T, c net.Conn, req []byte) (pdu []byte) {
	t.Helper()
	resp, err := tcpAsk(t, c, req)
	if err != nil {
		t.Fatalf("request % X: %v", req, err)
	}
	if !bytes.Equal(resp[:2], req[:2]) || resp[6] != req[6] {
		t.Fatalf("request % X: reply % X has another TID or unit", req, resp)
	}
	return resp[7:]
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func regs(vals ...uint16) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

// openPty opens one end of a socat pair for the test.
func openPty(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readQuiet reads from f until it has bytes and then 50 ms pass with no
// more, or until total passes. It returns what it read.
func readQuiet(t *testing.T, f *os.File, total time.Duration) []byte {
	t.Helper()
	var got []byte
	deadline := time.Now().Add(total)
	buf := make([]byte, 256)
	for time.Now().Before(deadline) {
		d := deadline
		if len(got) > 0 {
			d = time.Now().Add(50 * time.Millisecond)
		}
		if err := f.SetReadDeadline(d); err != nil {
			t.Fatal(err)
		}
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if len(got) > 0 {
				return got
			}
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", f.Name(), err)
		}
	}
	return got
}

// rtuAsk writes an RTU request for unit and returns the decoded reply, or
// nil when nothing came within wait.
func rtuAsk(t *testing.T, f *os.File, unit byte, pdu []byte, wait time.Duration) *modbus.PDU {
	t.Helper()
	p, err := modbus.ParsePDU(pdu)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(modbus.EncodeRTU(unit, p)); err != nil {
		t.Fatal(err)
	}
	raw := readQuiet(t, f, wait)
	if len(raw) == 0 {
		return nil
	}
	u, resp, err := modbus.DecodeRTU(raw)
	if err != nil {
		t.Fatalf("reply % X: %v", raw, err)
	}
	if u != unit {
		t.Fatalf("reply % X from unit %d, asked %d", raw, u, unit)
	}
	return &resp
}

func TestSocatPair(t *testing.T) {
	a, b := SocatPair(t)
	fa, fb := openPty(t, a), openPty(t, b)
	for _, dir := range []struct {
		w, r *os.File
		msg  string
	}{{fa, fb, "ping\x00\xff"}, {fb, fa, "pong\x01\xfe"}} {
		if _, err := dir.w.Write([]byte(dir.msg)); err != nil {
			t.Fatal(err)
		}
		if got := readQuiet(t, dir.r, ioTimeout); string(got) != dir.msg {
			t.Fatalf("read % X, want % X", got, dir.msg)
		}
	}
}

func TestRequireToolMissingSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	var reached bool
	t.Run("missing", func(t *testing.T) {
		RequireTool(t, "busprobe-no-such-tool", "no-such-package")
		reached = true
	})
	if reached {
		t.Error("RequireTool returned for a missing tool")
	}
	if p := RequireTool(t, "sh", "dash"); !filepath.IsAbs(p) {
		t.Errorf("RequireTool(sh) = %q, want an absolute path", p)
	}
}
