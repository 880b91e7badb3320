package modbus

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const rtuTestTimeout = 200 * time.Millisecond

// newRTUTest returns a client over an RTU transport on an in-memory line
// whose device plays script, and the frames it tapped.
func newRTUTest(t *testing.T, echo EchoMode, script deviceScript) (*Client, *memLine, *tapLog) {
	t.Helper()
	line := newMemLine(LineSettings{})
	log := &tapLog{}
	tr := NewRTUTransport(line, RTUConfig{Echo: echo, Tap: log.tap, Turnaround: 10 * time.Millisecond, FrameGap: 15 * time.Millisecond})
	t.Cleanup(func() { tr.Close() })
	runDevice(t, line, script)
	return NewClient(tr, rtuTestTimeout), line, log
}

func TestRTUReadRegisters(t *testing.T) {
	reply := regsReply(7, FuncReadHoldingRegisters, 555, 666)
	tests := []struct {
		name   string
		echo   EchoMode
		script deviceScript
		notes  []string
	}{
		{"plain reply", EchoAuto, func(n int, req []byte) []chunk {
			return []chunk{{time.Millisecond, reply}}
		}, []string{"TX", "RX"}},
		{"echo then reply", EchoAuto, func(n int, req []byte) []chunk {
			return []chunk{{0, req}, {2 * time.Millisecond, reply}}
		}, []string{"TX", "RX:echo", "RX"}},
		{"echo and reply in one burst", EchoAuto, func(n int, req []byte) []chunk {
			return []chunk{{0, append(append([]byte(nil), req...), reply...)}}
		}, []string{"TX", "RX:echo", "RX"}},
		{"reply byte by byte", EchoAuto, func(n int, req []byte) []chunk {
			var cs []chunk
			for _, b := range reply {
				cs = append(cs, chunk{500 * time.Microsecond, []byte{b}})
			}
			return cs
		}, []string{"TX", "RX"}},
		{"echo forced off keeps a reply", EchoOff, func(n int, req []byte) []chunk {
			return []chunk{{0, reply}}
		}, []string{"TX", "RX"}},
		{"reply then trailing garbage", EchoAuto, func(n int, req []byte) []chunk {
			return []chunk{{0, append(append([]byte(nil), reply...), 0xFF, 0x00)}}
		}, []string{"TX", "RX", "RX:garbage"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, log := newRTUTest(t, tc.echo, tc.script)
			regs, err := c.ReadHoldingRegisters(context.Background(), 7, 100, 2)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !slices.Equal(regs, []uint16{555, 666}) {
				t.Fatalf("regs = %v, want [555 666]", regs)
			}
			if got := log.notes(); !slices.Equal(got, tc.notes) {
				t.Fatalf("tap = %v, want %v", got, tc.notes)
			}
		})
	}
}

func TestRTUErrors(t *testing.T) {
	reply := regsReply(7, FuncReadHoldingRegisters, 555)
	badCRC := append([]byte(nil), reply...)
	badCRC[len(badCRC)-1] ^= 0xFF
	tests := []struct {
		name   string
		script deviceScript
		check  func(t *testing.T, err error)
		note   string // a tap note that must appear
	}{
		{"CRC error", func(n int, req []byte) []chunk { return []chunk{{0, badCRC}} },
			func(t *testing.T, err error) {
				var ce *CRCError
				if !errors.As(err, &ce) || !slices.Equal(ce.Frame, badCRC) {
					t.Fatalf("err = %v, want *CRCError with the frame", err)
				}
			}, "RX:CRC error"},
		{"truncated frame", func(n int, req []byte) []chunk { return []chunk{{0, reply[:4]}} },
			func(t *testing.T, err error) {
				var fe *FrameError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), "truncated") {
					t.Fatalf("err = %v, want truncated *FrameError", err)
				}
			}, "RX:truncated"},
		{"other unit", func(n int, req []byte) []chunk {
			return []chunk{{0, regsReply(9, FuncReadHoldingRegisters, 555)}}
		}, func(t *testing.T, err error) {
			var ue *UnexpectedUnitError
			if !errors.As(err, &ue) || ue.Want != 7 || ue.Got != 9 {
				t.Fatalf("err = %v, want *UnexpectedUnitError 9 for 7", err)
			}
		}, "RX:unit 9"},
		{"exception", func(n int, req []byte) []chunk {
			return []chunk{{0, EncodeRTU(7, ExceptionPDU(FuncReadHoldingRegisters, ExIllegalDataAddress))}}
		}, func(t *testing.T, err error) {
			var ee *ExceptionError
			if !errors.As(err, &ee) || ee.Code != ExIllegalDataAddress {
				t.Fatalf("err = %v, want *ExceptionError 02", err)
			}
			if want := "exception 02 illegal data address (read holding registers (03))"; err.Error() != want {
				t.Fatalf("err = %q, want %q", err, want)
			}
		}, "RX"},
		{"silence", func(n int, req []byte) []chunk { return nil },
			func(t *testing.T, err error) {
				var te *TimeoutError
				if !errors.Is(err, ErrTimeout) || !errors.As(err, &te) || te.Unit != 7 || te.Timeout != rtuTestTimeout {
					t.Fatalf("err = %v, want *TimeoutError for unit 7 after %s", err, rtuTestTimeout)
				}
				if want := "unit 7 did not answer within 200"; !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("err = %q, want %q", err, want)
				}
			}, "TX"},
		{"only the echo", func(n int, req []byte) []chunk { return []chunk{{0, req}} },
			func(t *testing.T, err error) {
				var ee *EchoError
				if !errors.Is(err, ErrTimeout) || !errors.As(err, &ee) {
					t.Fatalf("err = %v, want a timeout that is also an *EchoError", err)
				}
			}, "RX:echo"},
		{"stray bytes then silence", func(n int, req []byte) []chunk {
			return []chunk{{0, []byte{7}}, {30 * time.Millisecond, []byte{3}}}
		}, func(t *testing.T, err error) {
			var te *TimeoutError
			if !errors.As(err, &te) && !errors.As(err, new(*FrameError)) {
				t.Fatalf("err = %v, want a timeout or frame error", err)
			}
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, log := newRTUTest(t, EchoAuto, tc.script)
			_, err := c.ReadHoldingRegisters(context.Background(), 7, 100, 1)
			if err == nil {
				t.Fatal("no error")
			}
			tc.check(t, err)
			if tc.note != "" && !log.has(tc.note) {
				t.Fatalf("tap %v lacks %q", log.notes(), tc.note)
			}
		})
	}
}

// A reply that comes after its timeout is flushed before the next request,
// never taken as its answer (the bug seen in simonvetter/modbus).
func TestRTULateReplyFlushed(t *testing.T) {
	c, _, log := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		if n == 0 {
			return []chunk{{rtuTestTimeout + 30*time.Millisecond, regsReply(7, FuncReadHoldingRegisters, 555)}}
		}
		return []chunk{{5 * time.Millisecond, regsReply(7, FuncReadHoldingRegisters, 777)}}
	})
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 7, 0, 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("first read: err = %v, want timeout", err)
	}
	time.Sleep(60 * time.Millisecond) // the late reply is now waiting in the line
	regs, err := c.ReadHoldingRegisters(ctx, 7, 0, 1)
	if err != nil || regs[0] != 777 {
		t.Fatalf("second read = %v, %v; want [777]", regs, err)
	}
	if !log.has("RX:stale") {
		t.Fatalf("tap %v lacks the stale reply", log.notes())
	}
}

// The stale-reply trap that flushing cannot catch: the late reply to a
// timed-out request arrives only after the next request was sent, and the
// real answer follows it (libmodbus's unit-test-server does exactly this).
// The later frame must win; a clean line must not pay for the check.
func TestRTULateReplyAfterNextRequest(t *testing.T) {
	c, _, log := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		switch n {
		case 0:
			return nil // silent: the first read times out
		case 1:
			return []chunk{{3 * time.Millisecond, regsReply(7, FuncReadHoldingRegisters, 555)},
				{time.Millisecond, regsReply(7, FuncReadHoldingRegisters, 777)}}
		}
		return []chunk{{time.Millisecond, regsReply(7, FuncReadHoldingRegisters, 888)}}
	})
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 7, 0, 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("first read: err = %v, want timeout", err)
	}
	regs, err := c.ReadHoldingRegisters(ctx, 7, 0, 1)
	if err != nil || regs[0] != 777 {
		t.Fatalf("second read = %v, %v; want [777], not the late 555", regs, err)
	}
	if !log.has("RX:stale (late reply to the previous request)") {
		t.Fatalf("tap %v lacks the stale reply", log.notes())
	}
	if c.Transport().(*RTUTransport).dirty {
		t.Errorf("a clean read left the line marked dirty: the late-reply listen must only follow failures")
	}
	regs, err = c.ReadHoldingRegisters(ctx, 7, 0, 1)
	if err != nil || regs[0] != 888 {
		t.Fatalf("third read = %v, %v; want [888]", regs, err)
	}
}

// Requests whose reply mirrors them (6, 5, 8/00) on lines with and without echo.
func TestRTUMirroredReplies(t *testing.T) {
	tests := []struct {
		name   string
		echo   EchoMode
		copies int
	}{
		{"no echo, auto", EchoAuto, 1},
		{"echo, forced on", EchoOn, 2},
		{"no echo, forced off", EchoOff, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := newRTUTest(t, tc.echo, func(n int, req []byte) []chunk {
				var cs []chunk
				for range tc.copies {
					cs = append(cs, chunk{time.Millisecond, req})
				}
				return cs
			})
			// A reply mistaken for the echo would end in a timeout.
			if err := c.WriteSingleRegister(context.Background(), 3, 10, 42); err != nil {
				t.Fatalf("write: %v", err)
			}
			if err := c.Echo(context.Background(), 3, []byte{1, 2, 3}); err != nil {
				t.Fatalf("echo: %v", err)
			}
		})
	}
}

// With EchoAuto, an echo seen on a read teaches the transport that the
// line echoes, so a later mirrored write waits for the real reply.
func TestRTUEchoLearned(t *testing.T) {
	c, _, _ := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		if n == 0 {
			return []chunk{{0, req}, {time.Millisecond, regsReply(2, FuncReadHoldingRegisters, 1)}}
		}
		return []chunk{{0, req}} // the echo only: the unit is silent
	})
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 2, 0, 1); err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := c.WriteSingleRegister(ctx, 2, 0, 1); !errors.Is(err, ErrTimeout) {
		t.Fatalf("write to a silent unit on an echoing line: err = %v, want timeout", err)
	}
}

func TestRTUBroadcastAndUnits(t *testing.T) {
	c, line, log := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		if req[0] == 0 {
			return nil
		}
		return []chunk{{0, regsReply(req[0], FuncReadHoldingRegisters, uint16(req[0]))}}
	})
	ctx := context.Background()
	if _, err := c.ReadHoldingRegisters(ctx, 0, 0, 1); !errors.Is(err, ErrBroadcastRead) {
		t.Fatalf("read from unit 0: err = %v, want ErrBroadcastRead", err)
	}
	if len(line.writes) != 0 || len(log.notes()) != 0 {
		t.Fatal("a read from unit 0 was sent")
	}
	start := time.Now()
	if err := c.WriteSingleRegister(ctx, 0, 1, 2); err != nil {
		t.Fatalf("broadcast write: %v", err)
	}
	if d := time.Since(start); d < 10*time.Millisecond || d > rtuTestTimeout {
		t.Fatalf("broadcast took %s, want the turnaround (10ms) and no reply timeout", d)
	}
	for _, unit := range []byte{1, 247, 248, 255} {
		regs, err := c.ReadHoldingRegisters(ctx, unit, 0, 1)
		if err != nil || regs[0] != uint16(unit) {
			t.Fatalf("unit %d: %v, %v", unit, regs, err)
		}
	}
}

func TestRTUContext(t *testing.T) {
	c, _, _ := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk { return nil })
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		if _, err := c.ReadHoldingRegisters(ctx, 5, 0, 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("deadline sooner than the timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.WithTimeout(time.Second).ReadHoldingRegisters(ctx, 5, 0, 1)
		var te *TimeoutError
		if !errors.As(err, &te) || te.Timeout > 20*time.Millisecond || time.Since(start) > 500*time.Millisecond {
			t.Fatalf("err = %v after %s, want a timeout of at most 20ms", err, time.Since(start))
		}
	})
	t.Run("per-client timeout", func(t *testing.T) {
		_, err := c.WithTimeout(15*time.Millisecond).ReadHoldingRegisters(context.Background(), 5, 0, 1)
		var te *TimeoutError
		if !errors.As(err, &te) || te.Timeout != 15*time.Millisecond {
			t.Fatalf("err = %v, want a 15ms timeout", err)
		}
	})
}

// Garbage left on the line before a request is drained and tapped.
func TestRTUFlushGarbage(t *testing.T) {
	c, line, log := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		return []chunk{{0, regsReply(1, FuncReadInputRegisters, 9)}}
	})
	line.send([]byte{0x00, 0xFF, 0x13})
	regs, err := c.ReadInputRegisters(context.Background(), 1, 0, 1)
	if err != nil || regs[0] != 9 {
		t.Fatalf("read = %v, %v", regs, err)
	}
	if got := log.notes(); !slices.Equal(got, []string{"RX:garbage", "TX", "RX"}) {
		t.Fatalf("tap = %v", got)
	}
}

// A raw request with a function the codec does not know ends at the silence.
func TestRTUUnknownLengthBySilence(t *testing.T) {
	reply := EncodeRTU(4, PDU{Function: 0x41, Data: []byte{1, 2, 3, 4, 5}})
	c, _, _ := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		return []chunk{{0, reply[:3]}, {time.Millisecond, reply[3:]}}
	})
	resp, err := c.Do(context.Background(), 4, PDU{Function: 0x41, Data: []byte{9}})
	if err != nil || !slices.Equal(resp.Data, []byte{1, 2, 3, 4, 5}) {
		t.Fatalf("Do = %v, %v", resp, err)
	}
}

// The tap sees TX then RX with sane timestamps.
func TestRTUTapTimestamps(t *testing.T) {
	c, _, log := newRTUTest(t, EchoAuto, func(n int, req []byte) []chunk {
		return []chunk{{2 * time.Millisecond, regsReply(1, FuncReadHoldingRegisters, 1)}}
	})
	if _, err := c.ReadHoldingRegisters(context.Background(), 1, 0, 1); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.frames) != 2 {
		t.Fatalf("frames = %d", len(log.frames))
	}
	tx, rx := log.frames[0], log.frames[1]
	if tx.Dir != TX || rx.Dir != RX || len(tx.Bytes) != 8 || len(rx.Bytes) != 7 {
		t.Fatalf("frames = %+v", log.frames)
	}
	if tx.End.Before(tx.Start) || rx.Start.Before(tx.Start) || rx.End.Before(rx.Start) {
		t.Fatalf("timestamps out of order: %+v", log.frames)
	}
}
