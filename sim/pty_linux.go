//go:build linux

package sim

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ptyServer serves an RTU bus on a pty pair: the client opens the slave
// path; the simulator reads and writes the master and holds the slave open
// for the bus's lifetime (without it, the master reads EIO whenever no
// client has the slave open).
type ptyServer struct {
	bus    *RTUBus
	master *os.File // non-blocking, so read deadlines work
	slave  *os.File // held open; its termios says the client's baud
	path   string
	sniff  *sniffPty // listen-only copy of the line, when the bus has Sniff
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// servePty creates a pty pair for bus and starts its responder.
func servePty(bus *RTUBus) (*ptyServer, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("sim: bus %q: open pty: %w", bus.Name(), err)
	}
	if err := setRaw(int(s.Fd()), bus.line.Baud); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("sim: bus %q: configure pty %s: %w", bus.Name(), s.Name(), err)
	}
	master, err := pollable(m)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sim: bus %q: pty master: %w", bus.Name(), err)
	}
	srv := &ptyServer{
		bus:    bus,
		master: master,
		slave:  s,
		path:   s.Name(),
		done:   make(chan struct{}),
	}
	if bus.sniff {
		if srv.sniff, err = openSniffPty(bus); err != nil {
			srv.master.Close()
			s.Close()
			return nil, err
		}
	}
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		gap := max(bus.line.T35(), 2*time.Millisecond)
		bad := func() { bus.core.count(func(s *Stats) { s.BadFrames++ }) }
		_ = serveRTU(deadlinePort{srv.master}, srv.done, gap, bad, srv.handle)
	}()
	return srv, nil
}

// handle times one request: it reached the bus after its wire time at the
// client's baud (read from the pty's termios), and the reply is written once
// turnaround and its own wire time have passed.
func (s *ptyServer) handle(frame []byte, first, _ time.Time) []timedWrite {
	client := s.bus.line
	if s.bus.mismatch != MismatchIgnore {
		client.Baud = 0
		if baud, ok := termiosBaud(int(s.slave.Fd())); ok {
			client = s.bus.withBaud(baud)
		}
	}
	timing := client
	if timing.Baud == 0 {
		timing = s.bus.line
	}
	end := first.Add(timing.FrameTime(len(frame)))
	var out []timedWrite
	if s.bus.echo {
		s.bus.core.count(func(st *Stats) { st.Echoes++ })
		out = append(out, timedWrite{at: end, data: frame})
	}
	reply, delay := s.bus.exchange(frame, client, true)
	if reply != nil {
		out = append(out, timedWrite{at: end.Add(delay), data: reply})
	}
	return s.sniff.copyExchange(out, frame, end, reply, end.Add(delay))
}

// close stops the responder and releases the pty pair.
func (s *ptyServer) close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.master.Close()
		s.wg.Wait()
		if e := s.sniff.close(); err == nil {
			err = e
		}
		if e := s.slave.Close(); err == nil {
			err = e
		}
	})
	return err
}

// pollable replaces f, which creack/pty left in blocking mode (it called
// Fd), by a non-blocking duplicate that goes through the runtime poller, so
// read deadlines and Close work on it. f is closed.
func pollable(f *os.File) (*os.File, error) {
	name := f.Name()
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// setRaw puts a tty in raw mode (cfmakeraw) at baud, so a client that does
// not configure the port still talks to the bus.
func setRaw(fd, baud int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if code, ok := baudCode(baud); ok {
		t.Cflag = t.Cflag&^unix.CBAUD | code
		t.Ispeed, t.Ospeed = uint32(baud), uint32(baud)
	}
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// termiosBaud reads a tty's output baud rate (cfgetospeed: Cflag & CBAUD).
func termiosBaud(fd int) (int, bool) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return 0, false
	}
	code := t.Cflag & unix.CBAUD
	for _, baud := range standardBauds() {
		if c, _ := baudCode(baud); c == code {
			return baud, true
		}
	}
	return 0, false
}

// standardBauds lists the rates termios has a speed code for.
func standardBauds() []int {
	return []int{50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200,
		38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000,
		1500000, 2000000, 2500000, 3000000, 3500000, 4000000}
}

// baudCode returns the termios speed code of a baud rate.
func baudCode(baud int) (uint32, bool) {
	switch baud {
	case 50:
		return unix.B50, true
	case 75:
		return unix.B75, true
	case 110:
		return unix.B110, true
	case 134:
		return unix.B134, true
	case 150:
		return unix.B150, true
	case 200:
		return unix.B200, true
	case 300:
		return unix.B300, true
	case 600:
		return unix.B600, true
	case 1200:
		return unix.B1200, true
	case 1800:
		return unix.B1800, true
	case 2400:
		return unix.B2400, true
	case 4800:
		return unix.B4800, true
	case 9600:
		return unix.B9600, true
	case 19200:
		return unix.B19200, true
	case 38400:
		return unix.B38400, true
	case 57600:
		return unix.B57600, true
	case 115200:
		return unix.B115200, true
	case 230400:
		return unix.B230400, true
	case 460800:
		return unix.B460800, true
	case 500000:
		return unix.B500000, true
	case 576000:
		return unix.B576000, true
	case 921600:
		return unix.B921600, true
	case 1000000:
		return unix.B1000000, true
	case 1152000:
		return unix.B1152000, true
	case 1500000:
		return unix.B1500000, true
	case 2000000:
		return unix.B2000000, true
	case 2500000:
		return unix.B2500000, true
	case 3000000:
		return unix.B3000000, true
	case 3500000:
		return unix.B3500000, true
	case 4000000:
		return unix.B4000000, true
	}
	return 0, false
}
