package tui

import (
	"context"
	"sync"
	"time"

	"github.com/busprobe/busprobe/protocols/modbus"
)

// ClientPool keeps one open client per target URL, so the devices behind
// one gateway or on one serial line share a connection. Get dials, so it
// is called from tea.Cmd closures only. It is safe for concurrent use.
type ClientPool struct {
	traffic *Traffic
	// Timeout is the reply timeout of the clients it opens (1 s if 0).
	Timeout time.Duration

	mu      sync.Mutex
	clients map[string]*modbus.Client
}

// NewClientPool returns an empty pool whose clients feed traffic (may be nil).
func NewClientPool(traffic *Traffic) *ClientPool {
	return &ClientPool{traffic: traffic, clients: map[string]*modbus.Client{}}
}

// Get returns the client of url, dialing it the first time.
func (p *ClientPool) Get(ctx context.Context, url string) (*modbus.Client, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[url]; ok {
		return c, nil
	}
	target, err := modbus.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opts := modbus.DialOptions{Timeout: p.Timeout}
	if p.traffic != nil {
		opts.Tap = p.traffic.Tap(url, modbus.FramingOf(target.Scheme))
	}
	c, err := modbus.Dial(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	p.clients[url] = c
	return c, nil
}

// Drop closes and forgets the client of url (after a line failure, or to
// free a serial port for a scan).
func (p *ClientPool) Drop(url string) {
	p.mu.Lock()
	c := p.clients[url]
	delete(p.clients, url)
	p.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// Close closes every client.
func (p *ClientPool) Close() {
	p.mu.Lock()
	cs := p.clients
	p.clients = map[string]*modbus.Client{}
	p.mu.Unlock()
	for _, c := range cs {
		_ = c.Close()
	}
}
