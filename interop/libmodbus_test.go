package interop

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/busprobe/busprobe/internal/peertest"
	"github.com/busprobe/busprobe/protocols/modbus"
)

// lmbUnit is the unit we address at libmodbus's TCP server (it answers any).
const lmbUnit = peertest.LibmodbusServerID

// lateTimeout is shorter than the 500 ms the server sleeps at
// UTRegistersAddressSleep500ms.
const lateTimeout = 200 * time.Millisecond

// TestLibmodbus runs our client against libmodbus's unit-test-server over
// Modbus/TCP. The server serves exactly one connection, so every step runs
// in order on one client, and the test also checks that the client kept that
// one connection through its timeouts (a reconnect would find no server).
func TestLibmodbus(t *testing.T) {
	t.Parallel()
	addr := peertest.LibmodbusServer(t)
	ctx := testCtx(t)
	var dials atomic.Int32
	taps := newTapLog()
	c := dial(t, ctx, "tcp://"+addr, modbus.DialOptions{
		Timeout: 2 * time.Second,
		Tap:     taps.tap,
		NetDial: func(ctx context.Context, network, address string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, address)
		},
	})
	tab := peertest.UTRegistersTab()

	t.Run("plain reads and writes", func(t *testing.T) {
		if err := c.WriteMultipleRegisters(ctx, lmbUnit, peertest.UTRegistersAddress, tab); err != nil {
			t.Fatalf("FC16 UT_REGISTERS_TAB: %v", err)
		}
		if got, err := c.ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddress, uint16(len(tab))); err != nil || !slices.Equal(got, tab) {
			t.Errorf("FC03 after FC16: %v, %v; want %v", got, err, tab)
		}
		if got, err := c.ReadInputRegisters(ctx, lmbUnit, peertest.UTInputRegistersAddress, 1); err != nil || !slices.Equal(got, u16s(peertest.UTInputRegisterValue)) {
			t.Errorf("FC04: %v, %v; want [%d]", got, err, peertest.UTInputRegisterValue)
		}
		bits, err := c.ReadDiscreteInputs(ctx, lmbUnit, peertest.UTInputBitsAddress, peertest.UTInputBitsNB)
		if err != nil || len(bits) != peertest.UTInputBitsNB {
			t.Fatalf("FC02: %v, %v", bits, err)
		}
		for i, b := range bits {
			if want := peertest.UTInputBits()[i/8]&(1<<(i%8)) != 0; b != want {
				t.Errorf("FC02 bit %d: %v, want %v", i, b, want)
			}
		}
	})

	t.Run("busy exception", func(t *testing.T) {
		_, err := c.ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddressSpecial, 1)
		var ex *modbus.ExceptionError
		if !errors.As(err, &ex) || ex.Code != modbus.ExServerDeviceBusy || ex.Function != modbus.FuncReadHoldingRegisters {
			t.Errorf("FC03 at UT busy address: %v; want *ExceptionError 06 of FC03", err)
		}
	})

	t.Run("wrong transaction ID is dropped", func(t *testing.T) {
		taps.drain()
		start := time.Now()
		got, err := c.WithTimeout(300*time.Millisecond).ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddressInvalidTIDOrSlave, 1)
		var te *modbus.TimeoutError
		if !errors.Is(err, modbus.ErrTimeout) || !errors.As(err, &te) {
			t.Fatalf("FC03 at UT invalid-TID address: %v, %v after %v; want a *TimeoutError", got, err, time.Since(start))
		}
		if !hasRX(taps.drain(), "stale transaction") {
			t.Errorf("tap shows no RX frame noted as a stale transaction")
		}
	})

	t.Run("late reply is not taken for the next", func(t *testing.T) {
		taps.drain()
		_, err := c.WithTimeout(lateTimeout).ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddressSleep500ms, 1)
		if !errors.Is(err, modbus.ErrTimeout) {
			t.Fatalf("FC03 at UT 500 ms address with %v timeout: %v; want a timeout", lateTimeout, err)
		}
		// The late reply (one register of 0) arrives while this read waits;
		// it must be dropped and this read's own reply returned.
		got, err := c.ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddress, uint16(len(tab)))
		if err != nil || !slices.Equal(got, tab) {
			t.Fatalf("read after the timeout: %v, %v; want %v", got, err, tab)
		}
		if !hasRX(taps.drain(), "stale transaction") {
			t.Errorf("tap shows no RX frame noted as a stale transaction (the late reply)")
		}
	})

	t.Run("short reply", func(t *testing.T) {
		// Quantity UTRegistersNBSpecial: the server answers one register.
		_, err := c.ReadHoldingRegisters(ctx, lmbUnit, peertest.UTRegistersAddress, peertest.UTRegistersNBSpecial)
		var fe *modbus.FrameError
		if !errors.As(err, &fe) {
			t.Errorf("FC03 of %d registers answered with 1: %v; want a *FrameError", peertest.UTRegistersNBSpecial, err)
		}
	})

	t.Run("reply one byte every 5 ms", func(t *testing.T) {
		// The server sends 00 tt 00 00 00 05 FF 03 02 00 00 byte by byte,
		// tt being our transaction ID's low byte: unit FF, register 0.
		got, err := c.ReadHoldingRegisters(ctx, 0xFF, peertest.UTRegistersAddressByteSleep5ms, 1)
		if err != nil || !slices.Equal(got, u16s(0)) {
			t.Errorf("FC03 at UT byte-sleep address: %v, %v; want [0]", got, err)
		}
	})

	t.Run("report server ID", func(t *testing.T) {
		sid, err := c.ReportServerID(ctx, lmbUnit)
		if err != nil {
			t.Fatalf("FC17: %v", err)
		}
		if len(sid.Raw) < 3 || sid.Raw[0] != 0xB4 || !strings.HasPrefix(string(sid.Raw[2:]), "LMB") {
			t.Errorf("FC17: % X; want B4 FF LMB<version>", sid.Raw)
		}
		if run, ok := sid.RunIndicator(); !ok || !run {
			t.Errorf("FC17 run indicator: running %v ok %v; want running", run, ok)
		}
		if !strings.HasPrefix(sid.Text(), "LMB") {
			t.Errorf("FC17 text %q; want LMB<version>", sid.Text())
		}
	})

	t.Run("unimplemented functions", func(t *testing.T) {
		var ex *modbus.ExceptionError
		if err := c.Echo(ctx, lmbUnit, []byte{1, 2}); !errors.As(err, &ex) || ex.Code != modbus.ExIllegalFunction {
			t.Errorf("FC08: %v; want exception 01", err)
		}
		if _, err := c.ReadDeviceIdentification(ctx, lmbUnit, modbus.DeviceIDBasic); !errors.As(err, &ex) || ex.Code != modbus.ExIllegalFunction {
			t.Errorf("FC43/14: %v; want exception 01", err)
		}
		// Still the same connection, still serving.
		if got, err := c.ReadInputRegisters(ctx, lmbUnit, peertest.UTInputRegistersAddress, 1); err != nil || !slices.Equal(got, u16s(peertest.UTInputRegisterValue)) {
			t.Errorf("FC04 at the end: %v, %v", got, err)
		}
	})

	if n := dials.Load(); n != 1 {
		t.Errorf("client dialled %d times; want 1 (the server serves one connection)", n)
	}
}

// hasRX reports whether an RX frame's note contains note.
func hasRX(frames []modbus.TapFrame, note string) bool {
	for _, f := range frames {
		if f.Dir == modbus.RX && strings.Contains(f.Note, note) {
			return true
		}
	}
	return false
}
