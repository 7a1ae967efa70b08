package inmem

import (
	"context"
	"sync"

	"childmatch"
)

// ShortLinks is an in-memory childmatch.ShortLinkStore.
type ShortLinks struct {
	mu    sync.Mutex
	links map[string]childmatch.ShortLink
}

var _ childmatch.ShortLinkStore = (*ShortLinks)(nil)

func (s *ShortLinks) CreateShortLink(_ context.Context, l *childmatch.ShortLink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.links[l.Token]; ok {
		return childmatch.Errorf(childmatch.EConflict, "short link %s exists", l.Token)
	}
	if s.links == nil {
		s.links = map[string]childmatch.ShortLink{}
	}
	s.links[l.Token] = *l
	return nil
}

func (s *ShortLinks) ShortLink(_ context.Context, token string) (*childmatch.ShortLink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[token]
	if !ok {
		return nil, childmatch.Errorf(childmatch.ENotFound, "no such link")
	}
	return &l, nil
}
