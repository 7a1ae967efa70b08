package inmem

import (
	"sort"

	"childmatch"
)

// The records kept by id, as JSON, so nothing a caller holds aliases a stored one: users, posts and alerts.

func create[T any](s *Store, table *map[childmatch.ID][]byte, id childmatch.ID, v *T, what string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if *table == nil {
		*table = map[childmatch.ID][]byte{}
	}
	if _, ok := (*table)[id]; ok {
		return childmatch.Errorf(childmatch.EConflict, "%s %s exists", what, id)
	}
	(*table)[id] = encode(v)
	return nil
}

func get[T any](s *Store, table map[childmatch.ID][]byte, id childmatch.ID, what string) (*T, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := table[id]
	if !ok {
		return nil, notFound(what + " " + id.String())
	}
	return decode[T](b), nil
}

func modify[T any](s *Store, table map[childmatch.ID][]byte, id childmatch.ID, what string, fn func(*T) error) (*T, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	b, ok := table[id]
	if !ok {
		return nil, notFound(what + " " + id.String())
	}
	v := decode[T](b)
	if err := fn(v); err != nil {
		return nil, err
	}
	table[id] = encode(v)
	return decode[T](table[id]), nil
}

func remove(s *Store, table map[childmatch.ID][]byte, id childmatch.ID, what string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	if _, ok := table[id]; !ok {
		return notFound(what + " " + id.String())
	}
	delete(table, id)
	return nil
}

// each calls fn for every record in id order, which is creation order, outside the lock.
func each[T any](s *Store, table map[childmatch.ID][]byte, fn func(*T) (bool, error)) error {
	if err := s.lock(); err != nil {
		return err
	}
	ids := make([]childmatch.ID, 0, len(table))
	for id := range table {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	records := make([][]byte, len(ids))
	for i, id := range ids {
		records[i] = table[id]
	}
	s.unlock()
	for _, b := range records {
		if more, err := fn(decode[T](b)); err != nil || !more {
			return err
		}
	}
	return nil
}
