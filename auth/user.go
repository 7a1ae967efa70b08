package auth

import (
	"context"

	"childmatch"
)

// CreateUser adds a user. Admins only.
func (s *Service) CreateUser(ctx context.Context, actor childmatch.Actor, nu childmatch.NewUser) (*childmatch.User, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return nil, err
	}
	if err := nu.Validate(); err != nil {
		return nil, err
	}
	u := &childmatch.User{ID: childmatch.NewID(), Name: nu.Name, Organisation: nu.Organisation, Roles: nu.Roles,
		CreatedAt: s.now().UTC(), CreatedBy: actor.ID}
	if err := s.users.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "user.create", nil, u.ID.String()); err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists every user. Admins only.
func (s *Service) Users(ctx context.Context, actor childmatch.Actor) ([]*childmatch.User, error) {
	if err := actor.Require(childmatch.ActManageUsers); err != nil {
		return nil, err
	}
	users := []*childmatch.User{}
	err := s.users.WalkUsers(ctx, func(u *childmatch.User) (bool, error) {
		users = append(users, u)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.audit.Record(ctx, actor, "user.list", nil, ""); err != nil {
		return nil, err
	}
	return users, nil
}
