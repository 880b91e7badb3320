package sim

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/goburrow/serial"
)

// serialServer serves an RTU bus on a real serial port. The port's own
// wire takes the bytes' time, so only turnaround (and faults) are added.
type serialServer struct {
	bus  *RTUBus
	port serial.Port
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// serialPort adapts a goburrow port, whose read timeout is fixed at open, to port.
type serialPort struct{ p serial.Port }

func (s serialPort) Write(b []byte) (int, error) { return s.p.Write(b) }

func (s serialPort) readTimeout(b []byte, _ time.Duration) (int, error) {
	n, err := s.p.Read(b)
	if errors.Is(err, serial.ErrTimeout) {
		return n, nil
	}
	return n, err
}

// serveSerial opens path at the bus's settings and starts its responder.
func serveSerial(bus *RTUBus, path string) (*serialServer, error) {
	l := bus.line
	gap := max(l.T35(), 2*time.Millisecond)
	p, err := serial.Open(&serial.Config{
		Address:  path,
		BaudRate: l.Baud,
		DataBits: l.DataBits,
		StopBits: l.StopBits,
		Parity:   l.Parity, // always explicit: goburrow reads "" as even
		Timeout:  gap,
	})
	if err != nil {
		return nil, fmt.Errorf("sim: bus %q: open serial port %s: %w", bus.Name(), path, err)
	}
	srv := &serialServer{bus: bus, port: p, done: make(chan struct{})}
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		bad := func() { bus.core.count(func(s *Stats) { s.BadFrames++ }) }
		_ = serveRTU(serialPort{p}, srv.done, gap, bad, srv.handle)
	}()
	return srv, nil
}

// handle answers after the turnaround, counted from the request's last byte.
func (s *serialServer) handle(frame []byte, _, last time.Time) []timedWrite {
	var out []timedWrite
	if s.bus.echo {
		s.bus.core.count(func(st *Stats) { st.Echoes++ })
		out = append(out, timedWrite{at: last, data: frame})
	}
	reply, delay := s.bus.exchange(frame, s.bus.line, false)
	if reply != nil {
		out = append(out, timedWrite{at: last.Add(delay), data: reply})
	}
	return out
}

// close stops the responder (it notices within one read timeout) and closes the port.
func (s *serialServer) close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		s.wg.Wait()
		err = s.port.Close()
	})
	return err
}
