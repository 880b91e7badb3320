package modbus

import (
	"sync"
	"testing"
	"time"
)

// memLine is an in-memory Line for transport tests: what the client writes
// goes to the device goroutine through writes; what the device sends is
// queued in rx for the client's reads.
type memLine struct {
	mu       sync.Mutex
	rx       []byte
	notify   chan struct{} // signalled when rx grows
	writes   chan []byte
	closed   bool
	settings LineSettings
}

func newMemLine(s LineSettings) *memLine {
	return &memLine{notify: make(chan struct{}, 1), writes: make(chan []byte, 64), settings: s}
}

// Write hands a copy of b to the device.
func (l *memLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	select {
	case l.writes <- append([]byte(nil), b...):
	default:
		panic("memLine: device is not reading")
	}
	return len(b), nil
}

// ReadTimeout returns queued bytes, waiting up to d for some.
func (l *memLine) ReadTimeout(b []byte, d time.Duration) (int, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for range 1000 {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return 0, ErrClosed
		}
		if len(l.rx) > 0 {
			n := copy(b, l.rx)
			l.rx = l.rx[n:]
			l.mu.Unlock()
			return n, nil
		}
		l.mu.Unlock()
		if d <= 0 {
			return 0, nil
		}
		select {
		case <-l.notify:
		case <-timer.C:
			return 0, nil
		}
	}
	return 0, nil
}

func (l *memLine) Settings() LineSettings { return l.settings }

func (l *memLine) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return nil
}

// send queues bytes for the client (device side).
func (l *memLine) send(b []byte) {
	l.mu.Lock()
	l.rx = append(l.rx, b...)
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

// chunk is a piece of a scripted device answer: wait, then send bytes.
type chunk struct {
	after time.Duration
	bytes []byte
}

// deviceScript decides the answer to the n-th request frame (n from 0).
type deviceScript func(n int, req []byte) []chunk

// runDevice plays script on l until the test ends or l stops being written.
// It returns a function that waits for the device goroutine to finish.
func runDevice(t *testing.T, l *memLine, script deviceScript) func() {
	t.Helper()
	done := make(chan struct{})
	stop := make(chan struct{})
	go func() {
		defer close(done)
		for n := 0; n < 100; n++ {
			var req []byte
			select {
			case req = <-l.writes:
			case <-stop:
				return
			}
			for _, c := range script(n, req) {
				select {
				case <-time.After(c.after):
				case <-stop:
					return
				}
				l.send(c.bytes)
			}
		}
	}()
	var once sync.Once
	wait := func() {
		once.Do(func() {
			close(stop)
			<-done
		})
	}
	t.Cleanup(wait)
	return wait
}

// regsReply builds the RTU reply of unit carrying registers.
func regsReply(unit byte, fc FunctionCode, regs ...uint16) []byte {
	return EncodeRTU(unit, RegistersResponse(fc, regs))
}

// tapLog collects tapped frames safely.
type tapLog struct {
	mu     sync.Mutex
	frames []TapFrame
}

func (l *tapLog) tap(f TapFrame) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.frames = append(l.frames, f)
}

// notes returns "DIR:note" for every tapped frame, "DIR" when the note is empty.
func (l *tapLog) notes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, f := range l.frames {
		s := f.Dir.String()
		if f.Note != "" {
			s += ":" + f.Note
		}
		out = append(out, s)
	}
	return out
}

func (l *tapLog) has(note string) bool {
	for _, n := range l.notes() {
		if n == note {
			return true
		}
	}
	return false
}
