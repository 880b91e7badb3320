package interop

import (
	"context"
	"testing"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/busprobe/busprobe/sim"
)

// testTimeout bounds one test's requests, whatever the peer does.
const testTimeout = 30 * time.Second

// testCtx returns a context cancelled when the test ends or after testTimeout.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// dial opens our client on url, closed when the test ends.
func dial(t *testing.T, ctx context.Context, url string, opts modbus.DialOptions) *modbus.Client {
	t.Helper()
	c, err := modbus.DialURL(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// startSim starts a plant, closed when the test ends.
func startSim(t *testing.T, p sim.Plant) *sim.Running {
	t.Helper()
	r, err := sim.Start(context.Background(), p)
	if err != nil {
		t.Fatalf("sim: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("sim close: %v", err)
		}
	})
	return r
}

// endpoint returns the running bus's endpoint or fails the test.
func endpoint(t *testing.T, r *sim.Running, bus string) sim.Endpoint {
	t.Helper()
	ep, ok := r.Endpoint(bus)
	if !ok {
		t.Fatalf("sim: no endpoint for bus %q", bus)
	}
	return ep
}

func u16s(vs ...int) []uint16 {
	out := make([]uint16, len(vs))
	for i, v := range vs {
		out[i] = uint16(v)
	}
	return out
}

// tapLog collects tapped frames; safe for the transport's goroutine.
type tapLog struct {
	ch chan modbus.TapFrame
}

func newTapLog() *tapLog { return &tapLog{ch: make(chan modbus.TapFrame, 256)} }

func (l *tapLog) tap(f modbus.TapFrame) {
	f.Bytes = append([]byte(nil), f.Bytes...)
	select {
	case l.ch <- f:
	default: // never block the transport; a full log only loses frames
	}
}

// drain returns the frames tapped so far.
func (l *tapLog) drain() []modbus.TapFrame {
	var out []modbus.TapFrame
	for {
		select {
		case f := <-l.ch:
			out = append(out, f)
		default:
			return out
		}
	}
}
