package childmatch

import "slices"

// A post that does not answer an alert within Limits.AlertAck is sent it again on its next channel, one
// channel at a time in Channels' order, and the control rooms of its state are told it is silent
// (alert/escalate.go).

// Channels are the channels the post can be reached on, in Channels' order: push when it has users (their
// subscriptions are theirs), webhook when it has endpoints, then its messaging addresses' channels.
func (p *Post) Channels() []Channel {
	var out []Channel
	for _, ch := range Channels {
		has := false
		switch ch {
		case ChanPush:
			has = len(p.Users) > 0
		case ChanWebhook:
			has = len(p.Webhooks) > 0
		default:
			has = slices.ContainsFunc(p.Endpoints, func(e Endpoint) bool { return e.Channel == ch })
		}
		if has {
			out = append(out, ch)
		}
	}
	return out
}

// States are the states the post's area lies in: those it names, and its stations' (g may be nil).
func (p *Post) States(g Gazetteer) []string {
	out := append([]string{}, p.Area.States...)
	for _, code := range p.Area.Stations {
		if s, ok := lookup(g, code); ok && !in(out, s.State) {
			out = append(out, s.State)
		}
	}
	return out
}

// SharesState reports whether two lists of states have one in common, without case or surrounding space.
func SharesState(a, b []string) bool {
	return slices.ContainsFunc(a, func(s string) bool { return in(b, s) })
}
