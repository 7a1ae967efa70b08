package alertdoc

import (
	"time"

	"github.com/gorilla/feeds"

	"childmatch"
)

// Entry is one alert of a feed, with its case and the link to its latest message's CAP document.
type Entry struct {
	Alert *childmatch.Alert
	Case  *childmatch.Case
	CAP   string
}

// Feed writes the entries as an Atom feed (RFC 4287) whose id and link are self, each entry titled in
// English and Hindi and linking to its CAP document.
func Feed(entries []Entry, self string, now time.Time) ([]byte, error) {
	f := &feeds.Feed{Title: words.feedTitle.en + " · " + words.feedTitle.hi, Link: &feeds.Link{Href: self, Rel: "self"},
		Description: words.feedSubtitle.en + " · " + words.feedSubtitle.hi, Id: self, Updated: now, Author: &feeds.Author{Name: "childmatch"}}
	for _, e := range entries {
		m := e.Alert.Messages[len(e.Alert.Messages)-1]
		f.Items = append(f.Items, &feeds.Item{
			Id:          "urn:childmatch:alert:" + e.Alert.ID.String(),
			Title:       headline(english, e.Alert, e.Case, m) + " · " + headline(hindi, e.Alert, e.Case, m),
			Link:        &feeds.Link{Href: e.CAP, Rel: "alternate", Type: "application/cap+xml"},
			Created:     e.Alert.CreatedAt,
			Updated:     e.Alert.UpdatedAt,
			Description: description(english, e.Alert, e.Case, m) + "\n\n" + description(hindi, e.Alert, e.Case, m),
		})
	}
	atom, err := f.ToAtom()
	if err != nil {
		return nil, err
	}
	return []byte(atom), nil
}
