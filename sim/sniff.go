package sim

// sniff checks Bus.Sniff: a listen-only copy of the line exists only for an
// RTU bus served on a pty.
func (v *validator) sniff(path string, b *Bus) {
	if !b.Sniff {
		return
	}
	if b.Kind != BusRTU || (b.Serve != "" && b.Serve != ServePty) {
		v.add(path+".sniff", "sniff applies only to an rtu bus served on a pty")
	}
}
