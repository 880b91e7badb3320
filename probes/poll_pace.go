package probes

import "time"

// pacer watches busy replies (exception 06) to tell a device that needs
// pauses between requests from one that is busy now and then: for the
// first, most requests are answered busy and a retry after a wait cures
// nearly every one. Counts start over after each lesson, so a pause that
// is still too short is doubled on the next lesson.
type pacer struct {
	sent, busy int           // first attempts, and those answered busy
	cured      int           // busy first attempts that a retry after a wait got answered
	bestWait   time.Duration // shortest wait after which a retry was answered
}

// observe counts a first attempt.
func (p *pacer) observe(busy bool) {
	p.sent++
	if busy {
		p.busy++
	}
}

// cure counts a busy request answered by a retry after wait.
func (p *pacer) cure(wait time.Duration) {
	p.cured++
	if p.bestWait == 0 || wait < p.bestWait {
		p.bestWait = wait
	}
}

// needsPause reports whether the device needs a pause longer than cur,
// and which.
func (p *pacer) needsPause(cur time.Duration) (time.Duration, bool) {
	if p.sent < pauseMinSent || float64(p.busy) < pauseMinRate*float64(p.sent) ||
		float64(p.cured) < pauseCureRate*float64(p.busy) {
		return 0, false
	}
	return min(max(p.bestWait, 2*cur), maxPause), true
}
