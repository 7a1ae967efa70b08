package inmem

import (
	"bytes"
	"context"
	"io"

	"childmatch"
)

func (s *Store) ChangesAfter(_ context.Context, after childmatch.ID, fn func(childmatch.Change) error) error {
	if err := s.lock(); err != nil {
		return err
	}
	var list []childmatch.Change
	for _, c := range s.d.changes {
		if string(c.entry[:]) > string(after[:]) {
			list = append(list, childmatch.Change{Entry: c.entry, Case: c.caseID, Mine: c.writer == s})
		}
	}
	s.unlock()
	for _, c := range list {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// WatchCases announces nothing, as the pinned MinIO build does: the listing is what keeps replicas current.
func (s *Store) WatchCases(ctx context.Context) <-chan childmatch.ID {
	out := make(chan childmatch.ID)
	go func() {
		<-ctx.Done()
		close(out)
	}()
	return out
}

func (s *Store) PutSnapshot(_ context.Context, r io.Reader, _ int64) error {
	return s.putWhole(&s.d.snapshot, r)
}

func (s *Store) OpenSnapshot(context.Context) (io.ReadCloser, error) {
	return s.openWhole(&s.d.snapshot, "the index snapshot")
}

// putWhole and openWhole keep one large object (a snapshot) in *slot.
func (s *Store) putWhole(slot *[]byte, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	*slot = b
	return nil
}

func (s *Store) openWhole(slot *[]byte, what string) (io.ReadCloser, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	if *slot == nil {
		return nil, notFound(what)
	}
	return io.NopCloser(bytes.NewReader(*slot)), nil
}

func (s *Store) PutCalibration(_ context.Context, c childmatch.Calibration) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	s.d.calibration = encode(c)
	return nil
}

func (s *Store) Calibration(context.Context) (childmatch.Calibration, error) {
	if err := s.lock(); err != nil {
		return childmatch.Calibration{}, err
	}
	defer s.unlock()
	if s.d.calibration == nil {
		return childmatch.Calibration{}, notFound("the calibration")
	}
	return *decode[childmatch.Calibration](s.d.calibration), nil
}
