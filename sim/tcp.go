package sim

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// tcpServer is a Modbus/TCP gateway: it routes each request's unit ID to its
// devices and answers absent units as its Absent policy says.
type tcpServer struct {
	core    *core
	framing Framing
	line    *modbus.LineSettings // rtu framing: serial side to emulate, or nil
	maxConn int
	ln      net.Listener
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

// serveTCP listens on the bus's address and starts accepting.
func serveTCP(cfg *Bus, c *core) (*tcpServer, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("sim: bus %q: listen %s: %w", cfg.Name, cfg.Listen, err)
	}
	s := &tcpServer{
		core:    c,
		framing: cfg.Framing,
		maxConn: cfg.MaxConnections,
		ln:      ln,
		done:    make(chan struct{}),
		conns:   map[net.Conn]struct{}{},
	}
	if s.framing == "" {
		s.framing = FramingMBAP
	}
	if cfg.Line != nil {
		l := cfg.Line.Settings()
		s.line = &l
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// addr returns the address the gateway listens on.
func (s *tcpServer) addr() string { return s.ln.Addr().String() }

// accept serves connections until the listener closes. A connection beyond
// MaxConnections is closed at once, as a gateway with no free slot does.
func (s *tcpServer) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && sleepUntil(time.Now().Add(10*time.Millisecond), s.done) {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed || (s.maxConn > 0 && len(s.conns) >= s.maxConn) {
			s.mu.Unlock()
			conn.Close()
			s.core.count(func(st *Stats) { st.Refused++ })
			continue
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.core.count(func(st *Stats) { st.Connections++ })
		go func() {
			defer s.wg.Done()
			defer s.forget(conn)
			if s.framing == FramingRTU {
				s.serveRTU(conn)
			} else {
				s.serveMBAP(conn)
			}
		}()
	}
}

// forget closes a finished connection and frees its slot.
func (s *tcpServer) forget(conn net.Conn) {
	conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
}

// serveMBAP answers MBAP requests one at a time. A truncated reply (fault)
// is followed by closing the connection, since the stream is out of step.
func (s *tcpServer) serveMBAP(conn net.Conn) {
	for {
		_, h, pdu, err := modbus.ReadMBAP(conn)
		if err != nil {
			var fe *modbus.FrameError
			if errors.As(err, &fe) {
				s.core.count(func(st *Stats) { st.BadFrames++ })
			}
			return
		}
		resp, ok, turn := s.core.serve(h.Unit, pdu)
		if !ok {
			continue
		}
		out, extra, cut := s.core.inject(modbus.EncodeMBAP(h.Transaction, h.Unit, resp), false)
		if out == nil {
			continue
		}
		if !sleepUntil(time.Now().Add(turn+extra), s.done) {
			return
		}
		if _, err := conn.Write(out); err != nil || cut {
			return
		}
	}
}

// serveRTU answers RTU frames over TCP, as a serial device server would
// pass them; with a line set, both frames' wire time is added.
func (s *tcpServer) serveRTU(conn net.Conn) {
	gap := 5 * time.Millisecond
	if s.line != nil {
		gap = max(s.line.T35(), 2*time.Millisecond)
	}
	bad := func() { s.core.count(func(st *Stats) { st.BadFrames++ }) }
	_ = serveRTU(deadlinePort{conn}, s.done, gap, bad, func(frame []byte, first, last time.Time) []timedWrite {
		end := last
		if s.line != nil {
			end = first.Add(s.line.FrameTime(len(frame)))
		}
		reply, delay := s.core.rtuReply(frame)
		if reply == nil {
			return nil
		}
		if s.line != nil {
			delay += s.line.FrameTime(len(reply))
		}
		return []timedWrite{{at: end.Add(delay), data: reply}}
	})
}

// close stops accepting, closes every connection and waits for their goroutines.
func (s *tcpServer) close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.ln.Close()
		s.mu.Lock()
		s.closed = true
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return err
}
