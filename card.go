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
}

// CardRenderer draws a card as a PNG (card.Renderer).
type CardRenderer interface {
	Render(c Card) ([]byte, error)
}

// CardService renders the card of a case for the user asking, whose organisation is printed on the copy
// (service.Service). url is the case page's address, encoded in the card's QR code.
type CardService interface {
	CaseCard(ctx context.Context, actor Actor, id ID, url string) ([]byte, error)
}
