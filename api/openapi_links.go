package api

import (
	"maps"
	"net/http"
)

// The API description of the links an SMS or a message carries, opened on a phone without sign-in
// (card.go). A link that does not open is answered in words, in English and Hindi: 410 when it expired
// or its signature is wrong, 404 otherwise.

// badLinkAnswers are what a link that does not open answers.
var badLinkAnswers = map[int]any{http.StatusNotFound: media("text/plain"), http.StatusGone: media("text/plain")}

func init() {
	describe(
		route{Method: "GET", Path: "/l/:token", Tag: "links", Summary: "An SMS's short link: a redirect to the signed path it stands for",
			Public: true, TextID: true, Answers: withAnswers(badLinkAnswers, http.StatusFound, nil),
			Errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}},
		route{Method: "GET", Path: "/c/:alert/:seq/:post/card.png", Tag: "links", Summary: "The card of an alert's message as a post got it",
			Public: true, Signed: true, PathSchemas: seqParam, Answers: withAnswers(badLinkAnswers, http.StatusOK, media("image/png")),
			Errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}},
	)
}

// withAnswers is answers with one more.
func withAnswers(answers map[int]any, status int, answer any) map[int]any {
	out := maps.Clone(answers)
	out[status] = answer
	return out
}
