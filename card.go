package childmatch

import "context"

// The alert card: the one picture an alert message carries to a post (package card draws it).

// MsgType is the kind of alert message a card belongs to, as in the alert's msg_type.
type MsgType string

const (
	MsgAlert  MsgType = "alert"  // a missing child: look out
	MsgUpdate MsgType = "update" // the details of an alert changed
	MsgCancel MsgType = "cancel" // the child is found: stand down
)

// Card is everything a card shows. Text values are printed as given (English, Hindi or both).
type Card struct {
	Type MsgType
	// Exercise marks a drill's card as such, in both languages.
	Exercise bool
	CaseID   string
	// Child gives the name, age, gender, languages, clothing/description and identifying marks.
	Child Child
	// FaceChip is the face chip as JPEG; nil prints a placeholder saying there is no photo yet.
	FaceChip []byte
	// LastSeen: station, place, district, state and time (printed in IST).
	LastSeen Sighting
	// Train (number and name) and Coach, when known.
	Train, Coach string
	// Call is whom to call: name and organisation, and the phone number printed large.
	Call Contact
	// URL is encoded in the QR code: the case page, which asks for sign-in.
	URL string
	// Post is the receiving post's name, printed small on its copy, so a forwarded card says whose copy
	// it was.
	Post string
	// Publication is the Child Welfare Committee's permission to publish, printed on a poster in place
	// of the notice that the card is not for publication; nil on every card sent to posts.
	Publication *Publication
}

// CardRenderer draws a card as a PNG (card.Renderer), and says its key facts in words for the channels
// that send a registered template instead of the card's text (WhatsApp, SMS).
type CardRenderer interface {
	Render(c Card) ([]byte, error)
	Facts(c Card) Facts
}

// CardOf returns what the card of case c shows for a message of type t, for the post named post, its QR
// code opening url. The face chip is the caller's to read from the store.
func CardOf(c *Case, t MsgType, post, url string) Card {
	card := Card{Type: t, Exercise: c.Exercise, CaseID: c.ID.String(), Child: c.Child, LastSeen: c.Sighting, Call: c.Reporter, URL: url, Post: post}
	if card.Child.Gender == "" {
		card.Child.Gender = GenderUnknown
	}
	return card
}

// PosterRenderer draws a card's A4 poster as a PDF (card.Renderer).
type PosterRenderer interface {
	Poster(c Card) ([]byte, error)
}

// CardService renders cards for the user asking (service.Service). url is the case page's address,
// encoded in the card's QR code. Every render is in the audit trail.
type CardService interface {
	// CaseCard is the card of a case the actor may see, the actor's organisation printed on the copy.
	CaseCard(ctx context.Context, actor Actor, id ID, url string) ([]byte, error)
	// MessageCard is the card of message seq of an alert the actor may see ("found, stand down" for a
	// cancel), the name of the actor's post the alert reached printed on the copy.
	MessageCard(ctx context.Context, actor Actor, alert ID, seq int, url string) ([]byte, error)
	// LinkedCard is the card of message seq of an alert as the post received it, for a signed link
	// (CardPath) that opens it without sign-in; the opening is audited under the post.
	LinkedCard(ctx context.Context, alert ID, seq int, post ID, url string) ([]byte, error)
	// Poster is the case's A4 poster as PDF, for station notice boards: only for a case whose record
	// holds the Child Welfare Committee's permission to publish (EForbidden otherwise).
	Poster(ctx context.Context, actor Actor, id ID, url string) ([]byte, error)
}

// AlertViewer answers an alert the actor may see (one that reached a post the actor belongs to; any, for
// admins) and the actor's posts among its recipients, without recording an opening (alert.Service).
type AlertViewer interface {
	VisibleAlert(ctx context.Context, actor Actor, id ID) (*Alert, []Recipient, error)
	// ReachedAlert answers an alert that reached the post, and the post as its recipient; ENotFound
	// otherwise.
	ReachedAlert(ctx context.Context, id, post ID) (*Alert, Recipient, error)
}
