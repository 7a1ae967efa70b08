package childmatch

import (
	"regexp"
	"strconv"
	"strings"
)

// Pages of deliveries: an alert's, in the order of its batches (by message, then part: a message to
// 10,000 posts is tens of thousands of deliveries in batches of DeliveryBatch), and those failed or
// disabled, in id order (the order of their marks).

// DeliveryQuery selects a page of deliveries.
type DeliveryQuery struct {
	Limit  int
	Cursor string // the previous page's DeliveryPage.Next; "" = from the first
}

// DeliveryPage is a page of deliveries; Next is the cursor of the next page, "" at the end.
type DeliveryPage struct {
	Deliveries []*Delivery
	Next       string
}

// Part is the batch's place among its alert's batches: its message's seq and its part (the end of its
// key), which sorts as the batches were made.
func (b *Batch) Part() string { return b.Key[max(0, len(b.Key)-10):] }

var partPattern = regexp.MustCompile(`^[0-9]{6}-[0-9]{3}$`)

// BatchPosition is a place in an alert's deliveries: after the first N deliveries of the batch Part;
// zero is before the first.
type BatchPosition struct {
	Part string
	N    int
}

func (p BatchPosition) IsZero() bool { return p.Part == "" }

// String is the position as a client carries it: the part, a dot, N.
func (p BatchPosition) String() string {
	if p.IsZero() {
		return ""
	}
	return p.Part + "." + strconv.Itoa(p.N)
}

// ParseBatchPosition reads a BatchPosition's String; "" is the zero position.
func ParseBatchPosition(s string) (BatchPosition, error) {
	if s == "" {
		return BatchPosition{}, nil
	}
	part, n, ok := strings.Cut(s, ".")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count < 0 || count > DeliveryBatch || !partPattern.MatchString(part) {
		return BatchPosition{}, FieldError("cursor", "is not a cursor this list gave")
	}
	return BatchPosition{Part: part, N: count}, nil
}

// BatchPager makes a page of an alert's deliveries from its batches, given in their parts' order from
// the batch of After.Part on.
type BatchPager struct {
	After BatchPosition
	Limit int
	Page  []*Delivery
	// Next is where the next page begins; zero while no delivery is left past the page.
	Next BatchPosition
}

// Add takes the deliveries of b past After onto the page; false once the page is full and another
// delivery is left (Next is then set), so the caller reads no further.
func (p *BatchPager) Add(b *Batch) bool {
	part := b.Part()
	if part < p.After.Part {
		return true
	}
	from := 0
	if part == p.After.Part {
		from = p.After.N
	}
	for i := from; i < len(b.Deliveries); i++ {
		if len(p.Page) == p.Limit {
			p.Next = BatchPosition{Part: part, N: i} // the first delivery not taken
			return false
		}
		p.Page = append(p.Page, b.Deliveries[i])
	}
	return true
}
