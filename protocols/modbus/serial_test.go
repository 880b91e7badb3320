package modbus

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyDevice plays a fake RTU device on the master side of a pty. Units other
// than unit stay silent. It returns when the master is closed or stop closes.
func ptyDevice(master *os.File, unit byte, dev *fakeDevice, stop <-chan struct{}) {
	buf := make([]byte, 0, 512)
	tmp := make([]byte, 256)
	for range 10000 {
		select {
		case <-stop:
			return
		default:
		}
		master.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := master.Read(tmp)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		buf = append(buf, tmp[:n]...)
		l := RTURequestLength(buf)
		if l <= 0 || len(buf) < l {
			continue
		}
		u, p, err := DecodeRTU(buf[:l])
		buf = buf[l:]
		if err != nil || u != unit {
			continue
		}
		master.Write(EncodeRTU(u, dev.handle(p)))
	}
}

// openPty returns a pty pair; the slave stays open for the whole test
// (without it every request would time out).
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	ptm, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	// pty.Open's master is a blocking file that ignores read deadlines; a
	// non-blocking duplicate is pollable, so the fake device can stop.
	fd, err := syscall.Dup(int(ptm.Fd()))
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	ptm.Close()
	if err != nil {
		slave.Close()
		t.Fatalf("pty master: %v", err)
	}
	master = os.NewFile(uintptr(fd), "ptmx")
	t.Cleanup(func() {
		master.Close()
		slave.Close()
	})
	return master, slave
}

func TestSerialOverPty(t *testing.T) {
	master, slave := openPty(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		ptyDevice(master, 5, newFakeDevice(), stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()

	log := &tapLog{}
	c, err := DialURL(context.Background(), "rtu://"+slave.Name()+"?baud=19200&parity=N&timeout=300ms", DialOptions{Tap: log.tap})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
	}{
		{"read holding registers", func() error {
			regs, err := c.ReadHoldingRegisters(ctx, 5, 3, 4)
			if err == nil && !slices.Equal(regs, []uint16{1003, 1004, 1005, 1006}) {
				return errors.New("wrong values")
			}
			return err
		}},
		{"write and read back", func() error {
			if err := c.WriteMultipleRegisters(ctx, 5, 0, []uint16{1, 2, 3}); err != nil {
				return err
			}
			regs, err := c.ReadHoldingRegisters(ctx, 5, 0, 3)
			if err == nil && !slices.Equal(regs, []uint16{1, 2, 3}) {
				return errors.New("wrong values")
			}
			return err
		}},
		{"device identification", func() error {
			_, err := c.ReadDeviceIdentification(ctx, 5, DeviceIDExtended)
			return err
		}},
		{"silent unit times out", func() error {
			_, err := c.WithTimeout(50*time.Millisecond).ReadHoldingRegisters(ctx, 6, 0, 1)
			var te *TimeoutError
			if !errors.As(err, &te) || te.Unit != 6 || te.Timeout != 50*time.Millisecond {
				return errors.New("want a timeout for unit 6, got " + errString(err))
			}
			return nil
		}},
	}
	for _, tc := range tests {
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v (tap %v)", tc.name, err, log.notes())
		}
	}
	if line := c.Transport().(*RTUTransport).Line().(*SerialLine); line.Settings().String() != "19200 8N1" {
		t.Fatalf("settings = %s", line.Settings())
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

func TestSerialErrors(t *testing.T) {
	t.Run("missing port", func(t *testing.T) {
		_, err := OpenSerial("/dev/ttyBUSPROBE-NONE", LineSettings{Baud: 9600})
		var te *TransportError
		if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "serial port /dev/ttyBUSPROBE-NONE: open: ") {
			t.Fatalf("err = %v", err)
		}
		t.Log(err)
	})
	t.Run("bad settings", func(t *testing.T) {
		_, err := OpenSerial("/dev/null", LineSettings{Baud: 9600, Parity: "X"})
		if err == nil || !strings.Contains(err.Error(), `parity "X"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unplugged adapter", func(t *testing.T) {
		master, slave := openPty(t)
		line, err := OpenSerial(slave.Name(), LineSettings{Baud: 9600})
		if err != nil {
			t.Fatal(err)
		}
		tr := NewRTUTransport(line, RTUConfig{Timeout: 100 * time.Millisecond})
		defer tr.Close()
		master.Close() // the adapter goes away
		_, err = NewClient(tr, 100*time.Millisecond).ReadHoldingRegisters(context.Background(), 1, 0, 1)
		var te *TransportError
		if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "serial port "+slave.Name()+": ") {
			t.Fatalf("err = %v, want a *TransportError naming the port", err)
		}
		t.Log(err)
	})
	t.Run("closed line", func(t *testing.T) {
		_, slave := openPty(t)
		line, err := OpenSerial(slave.Name(), LineSettings{Baud: 9600})
		if err != nil {
			t.Fatal(err)
		}
		line.Close()
		if _, err := line.ReadTimeout(make([]byte, 8), time.Millisecond); !errors.Is(err, ErrClosed) {
			t.Fatalf("read after close: %v", err)
		}
		if _, err := line.Write([]byte{1}); !errors.Is(err, ErrClosed) {
			t.Fatalf("write after close: %v", err)
		}
	})
}
