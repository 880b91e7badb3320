//go:build linux

package sim

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// fileLine is a test client's modbus.Line over a tty file with read deadlines.
type fileLine struct {
	f *os.File
	s modbus.LineSettings
}

func (l fileLine) Write(b []byte) (int, error)   { return l.f.Write(b) }
func (l fileLine) Close() error                  { return l.f.Close() }
func (l fileLine) Settings() modbus.LineSettings { return l.s }

func (l fileLine) ReadTimeout(b []byte, d time.Duration) (int, error) {
	if err := l.f.SetReadDeadline(time.Now().Add(d)); err != nil {
		return 0, err
	}
	n, err := l.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// openClient opens a pty slave as a client would and sets its baud rate.
func openClient(t *testing.T, path string, baud int) fileLine {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	setClientBaud(t, f, baud)
	return fileLine{f: f, s: modbus.LineSettings{Baud: baud}}
}

// setClientBaud sets the tty's speed without putting the file in blocking mode.
func setClientBaud(t *testing.T, f *os.File, baud int) {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ierr error
	cerr := rc.Control(func(fd uintptr) {
		var tio *unix.Termios
		if tio, ierr = unix.IoctlGetTermios(int(fd), unix.TCGETS); ierr != nil {
			return
		}
		code, _ := baudCode(baud)
		tio.Cflag = tio.Cflag&^unix.CBAUD | code
		ierr = unix.IoctlSetTermios(int(fd), unix.TCSETS, tio)
	})
	if cerr != nil || ierr != nil {
		t.Fatalf("set baud %d: %v %v", baud, cerr, ierr)
	}
}

func startRTUPlant(t *testing.T, b Bus) (*Running, Endpoint) {
	t.Helper()
	r, err := Start(context.Background(), Plant{Buses: []Bus{b}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ep, _ := r.Endpoint(b.Name)
	return r, ep
}

func TestPtyTiming(t *testing.T) {
	const turn = 10 * time.Millisecond
	cfg := rtuBusConfig(LineConfig{Baud: 9600}, turn)
	cfg.Serve = ServePty
	_, ep := startRTUPlant(t, cfg)
	if !strings.HasPrefix(ep.URL, "rtu:///dev/pts/") || !strings.Contains(ep.URL, "baud=9600&parity=N&stop=1") {
		t.Fatalf("endpoint URL %q", ep.URL)
	}
	cl := openClient(t, ep.Address, 9600)
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 10))
	min := modbus.LineSettings{Baud: 9600}.FrameTime(8+25) + turn // 34.4 ms of wire + turnaround
	for i := range 3 {
		got, took := transact(t, cl, 1, req, time.Second)
		if _, _, err := modbus.DecodeRTU(got); err != nil {
			t.Fatalf("request %d: reply % X: %v", i, got, err)
		}
		if took < min || took > min+time.Second { // the upper bound only catches gross errors (a timeout waited out): machines are loaded
			t.Fatalf("request %d took %v, want at least %v", i, took, min)
		}
	}
}

func TestPtyBaudMismatch(t *testing.T) {
	tests := []struct {
		name     string
		mismatch Mismatch
		baud     int
		want     string
	}{
		{"right baud", "", 9600, "valid"},
		{"faster client", "", 19200, "garbage"},
		{"slower client", "", 4800, "garbage"},
		{"silent policy", MismatchSilent, 19200, "silent"},
		{"ignore policy", MismatchIgnore, 19200, "valid"},
	}
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 4))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rtuBusConfig(LineConfig{Baud: 9600}, time.Millisecond)
			cfg.Mismatch, cfg.Serve = tc.mismatch, ServePty
			r, ep := startRTUPlant(t, cfg)
			cl := openClient(t, ep.Address, tc.baud)
			got, _ := transact(t, cl, 1, req, 200*time.Millisecond)
			_, _, err := modbus.DecodeRTU(got)
			switch tc.want {
			case "valid":
				if err != nil {
					t.Fatalf("reply % X: %v", got, err)
				}
			case "garbage":
				if len(got) == 0 || err == nil {
					t.Fatalf("want garbage, got % X", got)
				}
				if s, _ := r.Stats(cfg.Name); s.Garbage != 1 {
					t.Fatalf("stats %+v", s)
				}
			case "silent":
				if len(got) != 0 {
					t.Fatalf("want silence, got % X", got)
				}
			}
		})
	}
}

func TestSerialPortServe(t *testing.T) {
	// A pty stands in for the serial port: the bus opens its slave path as
	// a serial port, the test talks on the master.
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	path := s.Name()
	master, err := pollable(m)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the plant closes before the pty pair.
	t.Cleanup(func() { master.Close(); s.Close() })
	cfg := rtuBusConfig(LineConfig{Baud: 19200}, 5*time.Millisecond)
	cfg.Serve, cfg.Port = ServeSerial, path
	_, ep := startRTUPlant(t, cfg)
	if ep.Address != path {
		t.Fatalf("endpoint %+v", ep)
	}
	cl := fileLine{f: master}
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 2, 2))
	got, took := transact(t, cl, 1, req, time.Second)
	if _, resp, err := modbus.DecodeRTU(got); err != nil || resp.Data[2] != 3 {
		t.Fatalf("reply % X: %v", got, err)
	}
	if took < 5*time.Millisecond {
		t.Fatalf("reply after %v, before the turnaround", took)
	}
}
