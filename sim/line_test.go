package sim

import (
	"bytes"
	"errors"
	"math"
	"net"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// transact sends req to unit over l and collects the reply until it is
// complete (by its length) or timeout passes.
func transact(t *testing.T, l modbus.Line, unit byte, req modbus.PDU, timeout time.Duration) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	if _, err := l.Write(modbus.EncodeRTU(unit, req)); err != nil {
		t.Fatal(err)
	}
	return collect(t, l, req, start, timeout)
}

// collect reads a reply to req from l until complete or timeout after start.
func collect(t *testing.T, l modbus.Line, req modbus.PDU, start time.Time, timeout time.Duration) ([]byte, time.Duration) {
	t.Helper()
	var got []byte
	buf := make([]byte, 300)
	deadline := start.Add(timeout)
	for range 200 {
		rem := time.Until(deadline)
		if rem <= 0 {
			break
		}
		n, err := l.ReadTimeout(buf, rem)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
		if want := modbus.RTUResponseLength(req, got); want > 0 && len(got) >= want {
			break
		}
	}
	return got, time.Since(start)
}

func rtuBusConfig(line LineConfig, turn time.Duration) Bus {
	return Bus{
		Name: "field", Kind: BusRTU, Serve: ServeNone, Line: &line,
		Devices: []DeviceConfig{{
			Unit: 1, Turnaround: turn,
			HoldingRegisters: []RegBlock{{Address: 0, Count: 20, Values: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}},
		}},
	}
}

func TestLineTiming(t *testing.T) {
	tests := []struct {
		name string
		line LineConfig
	}{
		{"9600 8N1", LineConfig{Baud: 9600}},
		{"19200 8E1", LineConfig{Baud: 19200, Parity: "E"}},
		{"4800 8N2", LineConfig{Baud: 4800, StopBits: 2}},
	}
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 10))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const turn = 10 * time.Millisecond
			bus, err := NewRTUBus(rtuBusConfig(tc.line, turn))
			if err != nil {
				t.Fatal(err)
			}
			l := NewLine(bus, tc.line.Settings())
			defer l.Close()
			got, took := transact(t, l, 1, req, time.Second)
			unit, resp, err := modbus.DecodeRTU(got)
			if err != nil || unit != 1 {
				t.Fatalf("reply % X: unit %d, %v", got, unit, err)
			}
			regs, err := modbus.ParseRegisters(req, resp)
			if err != nil || regs[9] != 10 {
				t.Fatalf("registers %v, %v", regs, err)
			}
			// 8 request bytes + 25 reply bytes on the wire, plus turnaround.
			min := tc.line.Settings().FrameTime(8+25) + turn
			if took < min || took > min+time.Second { // the upper bound only catches gross errors (a timeout waited out): machines are loaded
				t.Fatalf("transaction took %v, want at least %v (and not much more)", took, min)
			}
		})
	}
}

func TestLineMismatch(t *testing.T) {
	n81 := LineConfig{Baud: 9600}
	e81 := LineConfig{Baud: 9600, Parity: "E"}
	tests := []struct {
		name     string
		bus      LineConfig
		client   modbus.LineSettings
		mismatch Mismatch
		want     string // "valid", "garbage" or "silent"
	}{
		{"same settings", n81, modbus.LineSettings{Baud: 9600}, "", "valid"},
		{"stop bits do not matter", n81, modbus.LineSettings{Baud: 9600, StopBits: 2}, "", "valid"},
		{"client faster", n81, modbus.LineSettings{Baud: 19200}, "", "garbage"},
		{"client slower", n81, modbus.LineSettings{Baud: 4800}, "", "garbage"},
		{"client even, bus none", n81, modbus.LineSettings{Baud: 9600, Parity: "E"}, "", "garbage"},
		{"client none, bus even", e81, modbus.LineSettings{Baud: 9600}, "", "garbage"},
		{"client odd, bus even", e81, modbus.LineSettings{Baud: 9600, Parity: "O"}, "", "garbage"},
		{"silent policy", n81, modbus.LineSettings{Baud: 9600, Parity: "E"}, MismatchSilent, "silent"},
		{"ignore policy", n81, modbus.LineSettings{Baud: 9600, Parity: "E"}, MismatchIgnore, "valid"},
	}
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 10))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rtuBusConfig(tc.bus, time.Millisecond)
			cfg.Mismatch = tc.mismatch
			bus, err := NewRTUBus(cfg)
			if err != nil {
				t.Fatal(err)
			}
			l := NewLine(bus, tc.client)
			defer l.Close()
			var replies [][]byte
			for range 2 {
				got, _ := transact(t, l, 1, req, 150*time.Millisecond)
				replies = append(replies, got)
			}
			got := replies[0]
			_, _, derr := modbus.DecodeRTU(got)
			switch tc.want {
			case "valid":
				if derr != nil {
					t.Fatalf("want a valid reply, got % X: %v", got, derr)
				}
			case "garbage":
				if len(got) == 0 || derr == nil {
					t.Fatalf("want garbage, got % X (decode error %v)", got, derr)
				}
				if !bytes.Equal(replies[0], replies[1]) {
					t.Fatalf("garbage not deterministic: % X vs % X", replies[0], replies[1])
				}
				if s := bus.Stats(); s.Garbage != 2 {
					t.Fatalf("stats %+v, want 2 garbled replies", s)
				}
			case "silent":
				if len(got) != 0 {
					t.Fatalf("want silence, got % X", got)
				}
			}
		})
	}
}

func TestLineFaultRates(t *testing.T) {
	cfg := rtuBusConfig(LineConfig{Baud: 115200}, 0)
	cfg.Seed = 7
	cfg.Faults = Faults{Drop: 0.2, CorruptCRC: 0.15, Truncate: 0.1, Late: 0.1, LateDelay: time.Millisecond}
	bus, err := NewRTUBus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLine(bus, modbus.LineSettings{Baud: 115200})
	defer l.Close()
	req := must(modbus.ReadRequest(modbus.FuncReadHoldingRegisters, 0, 2))
	const n = 250
	silent, invalid := 0, 0
	for range n {
		got, _ := transact(t, l, 1, req, 15*time.Millisecond)
		switch _, _, err := modbus.DecodeRTU(got); {
		case len(got) == 0:
			silent++
		case err != nil:
			invalid++
		}
	}
	s := bus.Stats()
	within := func(name string, got uint64, rate float64, trials int) {
		mean := rate * float64(trials)
		tol := 4*math.Sqrt(mean*(1-rate)) + 1
		if math.Abs(float64(got)-mean) > tol {
			t.Errorf("%s: %d, want %.0f ± %.0f", name, got, mean, tol)
		}
	}
	within("dropped", s.Dropped, 0.2, n)
	sent := n - int(s.Dropped)
	within("corrupt", s.CorruptCRC, 0.15, sent)
	within("truncated", s.Truncated, 0.1, sent)
	within("late", s.Late, 0.1, sent)
	if uint64(silent) != s.Dropped || s.Requests != n || s.Replies != uint64(sent) {
		t.Errorf("client saw %d silent of %d; stats %+v", silent, n, s)
	}
	if uint64(invalid) > s.CorruptCRC+s.Truncated || uint64(invalid) < max(s.CorruptCRC, s.Truncated) {
		t.Errorf("client saw %d invalid replies; stats %+v", invalid, s)
	}
}

func TestLineEchoAndSilenceCut(t *testing.T) {
	cfg := rtuBusConfig(LineConfig{Baud: 38400}, 2*time.Millisecond)
	cfg.Echo = true
	bus, _ := NewRTUBus(cfg)
	l := NewLine(bus, bus.Settings())
	defer l.Close()
	// Function 8's length is not in its bytes: the bus cuts it at t3.5.
	req := must(modbus.EchoRequest([]byte{0xAB, 0xCD}))
	frame := modbus.EncodeRTU(1, req)
	start := time.Now()
	if _, err := l.Write(frame); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, len(frame))
	n, _ := l.ReadTimeout(echo, 100*time.Millisecond)
	if !bytes.Equal(echo[:n], frame) {
		t.Fatalf("echo % X, want % X", echo[:n], frame)
	}
	got, _ := collect(t, l, req, start, 200*time.Millisecond)
	if !bytes.Equal(got, frame) { // the diagnostics echo reply equals the request
		t.Fatalf("reply % X, want % X", got, frame)
	}
	if s := bus.Stats(); s.Echoes != 1 || s.Replies != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestLineClose(t *testing.T) {
	bus, _ := NewRTUBus(rtuBusConfig(LineConfig{Baud: 9600}, 0))
	l := NewLine(bus, bus.Settings())
	errc := make(chan error, 1)
	go func() {
		_, err := l.ReadTimeout(make([]byte, 8), 5*time.Second)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	l.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("read after close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("ReadTimeout did not return on Close")
	}
	if _, err := l.Write([]byte{1}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}
